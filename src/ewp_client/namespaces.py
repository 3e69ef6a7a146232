"""Every EWP namespace, schema and API version the project knows, spelled once.

One table, :data:`RELEASES`, states each official specification release once: its
repository, its version, the Registry name of its API when this project speaks that
release, and the files of it that we bundle (our file, the official path, and how the
release names the file's namespace). Everything else here derives from that table:
the namespace constants, :data:`SCHEMAS` (from which ``schemas/catalog.xml`` is
generated, see :mod:`ewp_client.xml.catalog`) and the :class:`ApiVersion` constants.

Nothing else in ``ewp_client`` or ``ewp_mock`` writes a namespace URI or an API
version literally: it imports the constant from here. ``tests/test_namespaces.py``
keeps it so.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal

_GH: Final = "https://github.com/erasmus-without-paper/"
_RAW: Final = "https://raw.githubusercontent.com/erasmus-without-paper/"

XML_NS: Final = "http://www.w3.org/XML/1998/namespace"
XSD_NS: Final = "http://www.w3.org/2001/XMLSchema"
XSI_NS: Final = "http://www.w3.org/2001/XMLSchema-instance"
#: Our own helper types (``schemas/support/``); not an EWP namespace.
SUPPORT_NS: Final = "urn:x-ewp-client:schema-support"

#: How an official schema names its target namespace:
#: ``"tree"`` the release's branch (``…/tree/stable-vN``), the usual form for a
#: specification with one main schema; ``"blob"`` the file on the branch
#: (``…/blob/stable-vN/<path>``), for manifest entries and multi-schema APIs;
#: ``"tree/path"`` the file under ``tree`` (one official quirk: the LA CNR stats).
NamespaceForm = Literal["tree", "blob", "tree/path"]


@dataclass(frozen=True, slots=True)
class BundledFile:
    """One official XSD of a release, and the file under ``schemas/`` that mirrors it."""

    key: str
    file: str
    path: str
    form: NamespaceForm


@dataclass(frozen=True, slots=True)
class SpecRelease:
    """One release of an official ``erasmus-without-paper`` specification repository.

    ``api`` is the API's element name in the Registry catalogue when this project
    speaks this release (``None`` for types, security specs and releases we only
    read). The branch follows from the version: ``stable-v<major>``, and EWP keeps
    its 0.x releases on ``stable-v1`` too (the courses API, the person-id type).
    """

    repo: str
    version: str
    api: str | None = None
    files: tuple[BundledFile, ...] = ()

    @property
    def major(self) -> int:
        return int(self.version.split(".", 1)[0])

    @property
    def branch(self) -> str:
        return f"stable-v{max(self.major, 1)}"

    @property
    def tree_url(self) -> str:
        """The branch on GitHub; the namespace of the release's main schema."""
        return f"{_GH}{self.repo}/tree/{self.branch}"

    def namespace_of(self, bundled: BundledFile) -> str:
        if bundled.form == "tree":
            return self.tree_url
        if bundled.form == "tree/path":
            return f"{self.tree_url}/{bundled.path}"
        return f"{_GH}{self.repo}/blob/{self.branch}/{bundled.path}"

    def raw_url(self, path: str) -> str:
        """The ``raw.githubusercontent.com`` address of ``path`` on the release's branch."""
        return f"{_RAW}{self.repo}/{self.branch}/{path}"


@dataclass(frozen=True, slots=True)
class SchemaInfo:
    """One XSD: its target namespace, our bundled file and the official file it mirrors.

    ``release`` is the official release the file comes from (``None`` for the W3C
    ``xml.xsd``); the ``official_*`` properties name the file in that release's
    repository, and :attr:`official_url` is the ``raw.githubusercontent.com``
    address some official schemas import it by.
    """

    key: str
    namespace: str
    file: str
    release: SpecRelease | None
    official_path: str

    @property
    def official_repo(self) -> str:
        return self.release.repo if self.release else ""

    @property
    def official_branch(self) -> str:
        return self.release.branch if self.release else ""

    @property
    def official_version(self) -> str:
        return self.release.version if self.release else ""

    @property
    def official_url(self) -> str:
        return self.release.raw_url(self.official_path) if self.release else ""


_ME: Final = "manifest-entry.xsd"
#: The read endpoints' response schemas of the IIAs and LAs APIs.
_READ_ENDPOINTS: Final = ("get-response", "index-response", "stats-response")


def _main(key: str, file: str, path: str = "response.xsd") -> BundledFile:
    """The release's main schema, whose namespace is the branch."""
    return BundledFile(key, file, path, "tree")


def _part(key: str, file: str, path: str) -> BundledFile:
    """A schema whose namespace is its file on the branch."""
    return BundledFile(key, file, path, "blob")


def _entry(key: str, file: str) -> BundledFile:
    """The release's ``manifest-entry.xsd`` (always named by its file)."""
    return BundledFile(key, file, _ME, "blob")


def _entries(key: str, folder: str) -> tuple[BundledFile, BundledFile]:
    """An API's ``response.xsd`` and its manifest entry, bundled side by side in ``folder``."""
    return (
        _main(key, f"{folder}/response.xsd"),
        _entry(f"{key}-entry", f"{folder}/{_ME}"),
    )


def _endpoints(key: str, folder: str, *names: str) -> tuple[BundledFile, ...]:
    """Per-endpoint schemas (``endpoints/<name>.xsd``), named by their files.

    Keys drop a ``-response`` suffix from the read endpoints: ``iias-v7-get``.
    """
    return tuple(
        _part(
            f"{key}-{name.removesuffix('-response') if name in _READ_ENDPOINTS else name}",
            f"{folder}/{name}.xsd",
            f"endpoints/{name}.xsd",
        )
        for name in names
    )


#: Every official release the project knows, in dependency order (imported ones first).
RELEASES: Final[tuple[SpecRelease, ...]] = (
    SpecRelease("ewp-specs-architecture", "1.16.0", files=(
        _part("common-types", "architecture/common-types.xsd", "common-types.xsd"),
    )),
    SpecRelease("ewp-specs-types-contact", "1.1.0", files=(
        _main("contact", "types/contact.xsd", "schema.xsd"),
    )),
    SpecRelease("ewp-specs-types-address", "1.0.2", files=(
        _main("address", "types/address.xsd", "schema.xsd"),
    )),
    SpecRelease("ewp-specs-types-phonenumber", "1.0.1", files=(
        _main("phonenumber", "types/phonenumber.xsd", "schema.xsd"),
    )),
    SpecRelease("ewp-specs-types-academic-term", "1.1.0", files=(
        _main("academic-term-v1", "types/academic-term-v1.xsd", "schema.xsd"),
    )),
    SpecRelease("ewp-specs-types-academic-term", "2.0.0", files=(
        _main("academic-term-v2", "types/academic-term-v2.xsd", "schema.xsd"),
    )),
    SpecRelease("ewp-specs-types-person-id", "0.1.1"),
    SpecRelease("ewp-specs-sec-intro", "2.0.2", files=(
        _main("sec-intro", "security/sec-intro.xsd", "schema.xsd"),
    )),
    SpecRelease("ewp-specs-sec-cliauth-httpsig", "1.0.2", files=(
        _main("cliauth-httpsig", "security/cliauth-httpsig.xsd", "security-entries.xsd"),
    )),
    SpecRelease("ewp-specs-sec-cliauth-none", "1.1.0", files=(
        _main("cliauth-none", "security/cliauth-none.xsd", "security-entries.xsd"),
    )),
    SpecRelease("ewp-specs-sec-srvauth-httpsig", "1.1.0", files=(
        _main("srvauth-httpsig", "security/srvauth-httpsig.xsd", "security-entries.xsd"),
    )),
    SpecRelease("ewp-specs-sec-srvauth-tlscert", "1.1.0", files=(
        _main("srvauth-tlscert", "security/srvauth-tlscert.xsd", "security-entries.xsd"),
    )),
    SpecRelease("ewp-specs-api-registry", "1.5.0", files=(
        _main("registry", "registry/v1/catalogue.xsd", "catalogue.xsd"),
        _entry("registry-entry", "registry/v1/manifest-entry.xsd"),
    )),
    SpecRelease("ewp-specs-api-discovery", "6.0.0", api="discovery", files=(
        _main("discovery", "discovery/v6/manifest.xsd", "manifest.xsd"),
        _entry("discovery-entry", "discovery/v6/manifest-entry.xsd"),
    )),
    SpecRelease("ewp-specs-api-echo", "2.0.1", api="echo",
                files=_entries("echo", "echo/v2")),
    SpecRelease("ewp-specs-api-iias", "7.0.0", api="iias", files=(
        *_endpoints("iias-v7", "iias/v7", *_READ_ENDPOINTS),
        _entry("iias-v7-entry", "iias/v7/manifest-entry.xsd"),
    )),
    SpecRelease("ewp-specs-api-iias", "6.3.0", files=(
        *_endpoints("iias-v6", "iias/v6", *_READ_ENDPOINTS),
        _entry("iias-v6-entry", "iias/v6/manifest-entry.xsd"),
    )),
    SpecRelease("ewp-specs-api-iias-approval", "2.0.0", api="iias-approval",
                files=_entries("iias-approval-v2", "iias-approval/v2")),
    SpecRelease("ewp-specs-api-iias-approval", "1.1.1",
                files=_entries("iias-approval-v1", "iias-approval/v1")),
    SpecRelease("ewp-specs-api-iia-cnr", "3.0.0", api="iia-cnr",
                files=_entries("iia-cnr", "iia-cnr/v3")),
    SpecRelease("ewp-specs-api-iia-approval-cnr", "2.0.0", api="iia-approval-cnr",
                files=_entries("iia-approval-cnr", "iia-approval-cnr/v2")),
    SpecRelease("ewp-specs-api-courses", "0.7.1",
                files=_entries("courses", "courses")),
    SpecRelease("ewp-specs-api-omobility-las", "1.2.0", api="omobility-las", files=(
        *_endpoints("las", "omobility-las/v1", *_READ_ENDPOINTS, "update-request",
                    "update-response"),
        _entry("las-entry", "omobility-las/v1/manifest-entry.xsd"),
    )),
    SpecRelease("ewp-specs-api-omobility-la-cnr", "1.1.0", api="omobility-la-cnr", files=(
        _main("la-cnr", "omobility-la-cnr/v1/response.xsd"),
        BundledFile("la-cnr-stats", "omobility-la-cnr/v1/stats-response.xsd",
                    "endpoints/stats-response.xsd", "tree/path"),
        _entry("la-cnr-entry", "omobility-la-cnr/v1/manifest-entry.xsd"),
    )),
    SpecRelease("ewp-specs-api-institutions", "2.2.0", api="institutions",
                files=_entries("institutions", "institutions/v2")),
    SpecRelease("ewp-specs-api-ounits", "2.1.1", api="organizational-units",
                files=_entries("ounits", "ounits/v2")),
    SpecRelease("ewp-specs-api-factsheet", "1.2.0", api="factsheet",
                files=_entries("factsheet", "factsheet/v1")),
)  # fmt: skip

#: Every bundled schema, in dependency order (imported ones first).
SCHEMAS: Final[tuple[SchemaInfo, ...]] = (
    SchemaInfo("xml", XML_NS, "w3c/xml.xsd", None, ""),
    *(
        SchemaInfo(f.key, release.namespace_of(f), f.file, release, f.path)
        for release in RELEASES
        for f in release.files
    ),
)

SCHEMA_BY_NAMESPACE: Final[dict[str, SchemaInfo]] = {s.namespace: s for s in SCHEMAS}
_SCHEMA_BY_KEY: Final[dict[str, SchemaInfo]] = {s.key: s for s in SCHEMAS}


def _ns(key: str) -> str:
    return _SCHEMA_BY_KEY[key].namespace


def _release_of(repo: str) -> SpecRelease:
    (release,) = (r for r in RELEASES if r.repo == repo)
    return release


# --------------------------------------------------------------- namespaces

COMMON_NS: Final = _ns("common-types")
CONTACT_NS: Final = _ns("contact")
ADDRESS_NS: Final = _ns("address")
PHONE_NS: Final = _ns("phonenumber")
ACADEMIC_TERM_V1_NS: Final = _ns("academic-term-v1")
ACADEMIC_TERM_V2_NS: Final = _ns("academic-term-v2")
#: No schema of ours imports the person-id type; its namespace is known all the same.
PERSON_ID_NS: Final = _release_of("ewp-specs-types-person-id").tree_url

SEC_INTRO_NS: Final = _ns("sec-intro")
CLIAUTH_HTTPSIG_NS: Final = _ns("cliauth-httpsig")
CLIAUTH_NONE_NS: Final = _ns("cliauth-none")
SRVAUTH_HTTPSIG_NS: Final = _ns("srvauth-httpsig")
SRVAUTH_TLSCERT_NS: Final = _ns("srvauth-tlscert")

DISCOVERY_NS: Final = _ns("discovery")
DISCOVERY_ENTRY_NS: Final = _ns("discovery-entry")
REGISTRY_NS: Final = _ns("registry")
REGISTRY_ENTRY_NS: Final = _ns("registry-entry")
ECHO_NS: Final = _ns("echo")
ECHO_ENTRY_NS: Final = _ns("echo-entry")

IIAS_V7_GET_NS: Final = _ns("iias-v7-get")
IIAS_V7_INDEX_NS: Final = _ns("iias-v7-index")
IIAS_V7_STATS_NS: Final = _ns("iias-v7-stats")
IIAS_V7_ENTRY_NS: Final = _ns("iias-v7-entry")
IIAS_V6_GET_NS: Final = _ns("iias-v6-get")
IIAS_V6_INDEX_NS: Final = _ns("iias-v6-index")
IIAS_V6_STATS_NS: Final = _ns("iias-v6-stats")
IIAS_V6_ENTRY_NS: Final = _ns("iias-v6-entry")
IIAS_APPROVAL_V2_NS: Final = _ns("iias-approval-v2")
IIAS_APPROVAL_V2_ENTRY_NS: Final = _ns("iias-approval-v2-entry")
IIAS_APPROVAL_V1_NS: Final = _ns("iias-approval-v1")
IIAS_APPROVAL_V1_ENTRY_NS: Final = _ns("iias-approval-v1-entry")
IIA_CNR_NS: Final = _ns("iia-cnr")
IIA_CNR_ENTRY_NS: Final = _ns("iia-cnr-entry")
IIA_APPROVAL_CNR_NS: Final = _ns("iia-approval-cnr")
IIA_APPROVAL_CNR_ENTRY_NS: Final = _ns("iia-approval-cnr-entry")

LAS_GET_NS: Final = _ns("las-get")
LAS_INDEX_NS: Final = _ns("las-index")
LAS_STATS_NS: Final = _ns("las-stats")
LAS_UPDATE_REQUEST_NS: Final = _ns("las-update-request")
LAS_UPDATE_RESPONSE_NS: Final = _ns("las-update-response")
LAS_ENTRY_NS: Final = _ns("las-entry")
LA_CNR_NS: Final = _ns("la-cnr")
LA_CNR_STATS_NS: Final = _ns("la-cnr-stats")
LA_CNR_ENTRY_NS: Final = _ns("la-cnr-entry")
COURSES_NS: Final = _ns("courses")
COURSES_ENTRY_NS: Final = _ns("courses-entry")

INSTITUTIONS_NS: Final = _ns("institutions")
INSTITUTIONS_ENTRY_NS: Final = _ns("institutions-entry")
OUNITS_NS: Final = _ns("ounits")
OUNITS_ENTRY_NS: Final = _ns("ounits-entry")
FACTSHEET_NS: Final = _ns("factsheet")
FACTSHEET_ENTRY_NS: Final = _ns("factsheet-entry")


# --------------------------------------------------------------- API versions


@dataclass(frozen=True, slots=True)
class ApiVersion:
    """An EWP API as the Registry names it, and the version this project speaks."""

    name: str
    version: str

    @property
    def major(self) -> int:
        return int(self.version.split(".", 1)[0])


def _api(name: str) -> ApiVersion:
    """The release of API ``name`` this project speaks (exactly one row says so)."""
    (release,) = (r for r in RELEASES if r.api == name)
    return ApiVersion(name, release.version)


DISCOVERY_API: Final = _api("discovery")
ECHO_API: Final = _api("echo")
IIAS_API: Final = _api("iias")
IIAS_APPROVAL_API: Final = _api("iias-approval")
IIA_CNR_API: Final = _api("iia-cnr")
IIA_APPROVAL_CNR_API: Final = _api("iia-approval-cnr")
OMOBILITY_LAS_API: Final = _api("omobility-las")
OMOBILITY_LA_CNR_API: Final = _api("omobility-la-cnr")
INSTITUTIONS_API: Final = _api("institutions")
OUNITS_API: Final = _api("organizational-units")
FACTSHEET_API: Final = _api("factsheet")
