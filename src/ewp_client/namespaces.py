"""Every EWP namespace, schema and API version the project knows, spelled once.

Nothing else in ``ewp_client`` or ``ewp_mock`` writes a namespace URI or an API
version literally: it imports the constant from here. The bundled schema
catalog (``schemas/catalog.xml``) is checked against :data:`SCHEMAS` by a test.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

_GH: Final = "https://github.com/erasmus-without-paper/"
_RAW: Final = "https://raw.githubusercontent.com/erasmus-without-paper/"

XML_NS: Final = "http://www.w3.org/XML/1998/namespace"
XSD_NS: Final = "http://www.w3.org/2001/XMLSchema"
XSI_NS: Final = "http://www.w3.org/2001/XMLSchema-instance"
#: Our own helper types (``schemas/support/``); not an EWP namespace.
SUPPORT_NS: Final = "urn:x-ewp-client:schema-support"


@dataclass(frozen=True, slots=True)
class SchemaInfo:
    """One XSD: its target namespace, our bundled file and the official file it mirrors.

    ``official_repo``/``official_branch``/``official_path`` name the file in the
    official ``erasmus-without-paper`` repositories; :attr:`official_url` is the
    ``raw.githubusercontent.com`` address some official schemas import it by.
    """

    key: str
    namespace: str
    file: str
    official_repo: str
    official_branch: str
    official_path: str
    official_version: str

    @property
    def official_url(self) -> str:
        return f"{_RAW}{self.official_repo}/{self.official_branch}/{self.official_path}"


def _tree(repo: str, major: int) -> str:
    return f"{_GH}{repo}/tree/stable-v{major}"


def _blob(repo: str, major: int, path: str) -> str:
    return f"{_GH}{repo}/blob/stable-v{major}/{path}"


# --------------------------------------------------------------- namespaces

COMMON_NS: Final = _blob("ewp-specs-architecture", 1, "common-types.xsd")
CONTACT_NS: Final = _tree("ewp-specs-types-contact", 1)
ADDRESS_NS: Final = _tree("ewp-specs-types-address", 1)
PHONE_NS: Final = _tree("ewp-specs-types-phonenumber", 1)
ACADEMIC_TERM_V1_NS: Final = _tree("ewp-specs-types-academic-term", 1)
ACADEMIC_TERM_V2_NS: Final = _tree("ewp-specs-types-academic-term", 2)
PERSON_ID_NS: Final = _tree("ewp-specs-types-person-id", 1)

SEC_INTRO_NS: Final = _tree("ewp-specs-sec-intro", 2)
CLIAUTH_HTTPSIG_NS: Final = _tree("ewp-specs-sec-cliauth-httpsig", 1)
CLIAUTH_NONE_NS: Final = _tree("ewp-specs-sec-cliauth-none", 1)
SRVAUTH_HTTPSIG_NS: Final = _tree("ewp-specs-sec-srvauth-httpsig", 1)
SRVAUTH_TLSCERT_NS: Final = _tree("ewp-specs-sec-srvauth-tlscert", 1)

DISCOVERY_NS: Final = _tree("ewp-specs-api-discovery", 6)
DISCOVERY_ENTRY_NS: Final = _blob("ewp-specs-api-discovery", 6, "manifest-entry.xsd")
REGISTRY_NS: Final = _tree("ewp-specs-api-registry", 1)
REGISTRY_ENTRY_NS: Final = _blob("ewp-specs-api-registry", 1, "manifest-entry.xsd")
ECHO_NS: Final = _tree("ewp-specs-api-echo", 2)
ECHO_ENTRY_NS: Final = _blob("ewp-specs-api-echo", 2, "manifest-entry.xsd")

IIAS_V7_GET_NS: Final = _blob("ewp-specs-api-iias", 7, "endpoints/get-response.xsd")
IIAS_V7_INDEX_NS: Final = _blob("ewp-specs-api-iias", 7, "endpoints/index-response.xsd")
IIAS_V7_STATS_NS: Final = _blob("ewp-specs-api-iias", 7, "endpoints/stats-response.xsd")
IIAS_V7_ENTRY_NS: Final = _blob("ewp-specs-api-iias", 7, "manifest-entry.xsd")
IIAS_V6_GET_NS: Final = _blob("ewp-specs-api-iias", 6, "endpoints/get-response.xsd")
IIAS_V6_INDEX_NS: Final = _blob("ewp-specs-api-iias", 6, "endpoints/index-response.xsd")
IIAS_V6_STATS_NS: Final = _blob("ewp-specs-api-iias", 6, "endpoints/stats-response.xsd")
IIAS_V6_ENTRY_NS: Final = _blob("ewp-specs-api-iias", 6, "manifest-entry.xsd")
IIAS_APPROVAL_V2_NS: Final = _tree("ewp-specs-api-iias-approval", 2)
IIAS_APPROVAL_V2_ENTRY_NS: Final = _blob("ewp-specs-api-iias-approval", 2, "manifest-entry.xsd")
IIAS_APPROVAL_V1_NS: Final = _tree("ewp-specs-api-iias-approval", 1)
IIAS_APPROVAL_V1_ENTRY_NS: Final = _blob("ewp-specs-api-iias-approval", 1, "manifest-entry.xsd")
IIA_CNR_NS: Final = _tree("ewp-specs-api-iia-cnr", 3)
IIA_CNR_ENTRY_NS: Final = _blob("ewp-specs-api-iia-cnr", 3, "manifest-entry.xsd")
IIA_APPROVAL_CNR_NS: Final = _tree("ewp-specs-api-iia-approval-cnr", 2)
IIA_APPROVAL_CNR_ENTRY_NS: Final = _blob("ewp-specs-api-iia-approval-cnr", 2, "manifest-entry.xsd")

LAS_GET_NS: Final = _blob("ewp-specs-api-omobility-las", 1, "endpoints/get-response.xsd")
LAS_INDEX_NS: Final = _blob("ewp-specs-api-omobility-las", 1, "endpoints/index-response.xsd")
LAS_STATS_NS: Final = _blob("ewp-specs-api-omobility-las", 1, "endpoints/stats-response.xsd")
LAS_UPDATE_REQUEST_NS: Final = _blob(
    "ewp-specs-api-omobility-las", 1, "endpoints/update-request.xsd"
)
LAS_UPDATE_RESPONSE_NS: Final = _blob(
    "ewp-specs-api-omobility-las", 1, "endpoints/update-response.xsd"
)
LAS_ENTRY_NS: Final = _blob("ewp-specs-api-omobility-las", 1, "manifest-entry.xsd")
LA_CNR_NS: Final = _tree("ewp-specs-api-omobility-la-cnr", 1)
# The official LA CNR stats schema uses "tree" (not "blob") in its namespace.
LA_CNR_STATS_NS: Final = (
    _tree("ewp-specs-api-omobility-la-cnr", 1) + "/endpoints/stats-response.xsd"
)
LA_CNR_ENTRY_NS: Final = _blob("ewp-specs-api-omobility-la-cnr", 1, "manifest-entry.xsd")
COURSES_NS: Final = _tree("ewp-specs-api-courses", 1)
COURSES_ENTRY_NS: Final = _blob("ewp-specs-api-courses", 1, "manifest-entry.xsd")

INSTITUTIONS_NS: Final = _tree("ewp-specs-api-institutions", 2)
INSTITUTIONS_ENTRY_NS: Final = _blob("ewp-specs-api-institutions", 2, "manifest-entry.xsd")
OUNITS_NS: Final = _tree("ewp-specs-api-ounits", 2)
OUNITS_ENTRY_NS: Final = _blob("ewp-specs-api-ounits", 2, "manifest-entry.xsd")
FACTSHEET_NS: Final = _tree("ewp-specs-api-factsheet", 1)
FACTSHEET_ENTRY_NS: Final = _blob("ewp-specs-api-factsheet", 1, "manifest-entry.xsd")


def _s(key: str, ns: str, file: str, repo: str, major: int, path: str, version: str) -> SchemaInfo:
    return SchemaInfo(key, ns, file, repo, f"stable-v{major}", path, version)


_ME = "manifest-entry.xsd"

#: Every bundled schema, in dependency order (imported ones first).
SCHEMAS: Final[tuple[SchemaInfo, ...]] = (
    SchemaInfo("xml", XML_NS, "w3c/xml.xsd", "", "", "", "1998"),
    _s("common-types", COMMON_NS, "architecture/common-types.xsd",
       "ewp-specs-architecture", 1, "common-types.xsd", "1.16.0"),
    _s("contact", CONTACT_NS, "types/contact.xsd", "ewp-specs-types-contact", 1, "schema.xsd",
       "1.1.0"),
    _s("address", ADDRESS_NS, "types/address.xsd", "ewp-specs-types-address", 1, "schema.xsd",
       "1.0.2"),
    _s("phonenumber", PHONE_NS, "types/phonenumber.xsd", "ewp-specs-types-phonenumber", 1,
       "schema.xsd", "1.0.1"),
    _s("academic-term-v1", ACADEMIC_TERM_V1_NS, "types/academic-term-v1.xsd",
       "ewp-specs-types-academic-term", 1, "schema.xsd", "1.1.0"),
    _s("academic-term-v2", ACADEMIC_TERM_V2_NS, "types/academic-term-v2.xsd",
       "ewp-specs-types-academic-term", 2, "schema.xsd", "2.0.0"),
    _s("sec-intro", SEC_INTRO_NS, "security/sec-intro.xsd", "ewp-specs-sec-intro", 2,
       "schema.xsd", "2.0.2"),
    _s("cliauth-httpsig", CLIAUTH_HTTPSIG_NS, "security/cliauth-httpsig.xsd",
       "ewp-specs-sec-cliauth-httpsig", 1, "security-entries.xsd", "1.0.2"),
    _s("cliauth-none", CLIAUTH_NONE_NS, "security/cliauth-none.xsd",
       "ewp-specs-sec-cliauth-none", 1, "security-entries.xsd", "1.1.0"),
    _s("srvauth-httpsig", SRVAUTH_HTTPSIG_NS, "security/srvauth-httpsig.xsd",
       "ewp-specs-sec-srvauth-httpsig", 1, "security-entries.xsd", "1.1.0"),
    _s("srvauth-tlscert", SRVAUTH_TLSCERT_NS, "security/srvauth-tlscert.xsd",
       "ewp-specs-sec-srvauth-tlscert", 1, "security-entries.xsd", "1.1.0"),
    _s("registry", REGISTRY_NS, "registry/v1/catalogue.xsd", "ewp-specs-api-registry", 1,
       "catalogue.xsd", "1.5.0"),
    _s("registry-entry", REGISTRY_ENTRY_NS, "registry/v1/manifest-entry.xsd",
       "ewp-specs-api-registry", 1, _ME, "1.5.0"),
    _s("discovery", DISCOVERY_NS, "discovery/v6/manifest.xsd", "ewp-specs-api-discovery", 6,
       "manifest.xsd", "6.0.0"),
    _s("discovery-entry", DISCOVERY_ENTRY_NS, "discovery/v6/manifest-entry.xsd",
       "ewp-specs-api-discovery", 6, _ME, "6.0.0"),
    _s("echo", ECHO_NS, "echo/v2/response.xsd", "ewp-specs-api-echo", 2, "response.xsd",
       "2.0.1"),
    _s("echo-entry", ECHO_ENTRY_NS, "echo/v2/manifest-entry.xsd", "ewp-specs-api-echo", 2, _ME,
       "2.0.1"),
    _s("iias-v7-get", IIAS_V7_GET_NS, "iias/v7/get-response.xsd", "ewp-specs-api-iias", 7,
       "endpoints/get-response.xsd", "7.0.0"),
    _s("iias-v7-index", IIAS_V7_INDEX_NS, "iias/v7/index-response.xsd", "ewp-specs-api-iias", 7,
       "endpoints/index-response.xsd", "7.0.0"),
    _s("iias-v7-stats", IIAS_V7_STATS_NS, "iias/v7/stats-response.xsd", "ewp-specs-api-iias", 7,
       "endpoints/stats-response.xsd", "7.0.0"),
    _s("iias-v7-entry", IIAS_V7_ENTRY_NS, "iias/v7/manifest-entry.xsd", "ewp-specs-api-iias", 7,
       _ME, "7.0.0"),
    _s("iias-v6-get", IIAS_V6_GET_NS, "iias/v6/get-response.xsd", "ewp-specs-api-iias", 6,
       "endpoints/get-response.xsd", "6.3.0"),
    _s("iias-v6-index", IIAS_V6_INDEX_NS, "iias/v6/index-response.xsd", "ewp-specs-api-iias", 6,
       "endpoints/index-response.xsd", "6.3.0"),
    _s("iias-v6-stats", IIAS_V6_STATS_NS, "iias/v6/stats-response.xsd", "ewp-specs-api-iias", 6,
       "endpoints/stats-response.xsd", "6.3.0"),
    _s("iias-v6-entry", IIAS_V6_ENTRY_NS, "iias/v6/manifest-entry.xsd", "ewp-specs-api-iias", 6,
       _ME, "6.3.0"),
    _s("iias-approval-v2", IIAS_APPROVAL_V2_NS, "iias-approval/v2/response.xsd",
       "ewp-specs-api-iias-approval", 2, "response.xsd", "2.0.0"),
    _s("iias-approval-v2-entry", IIAS_APPROVAL_V2_ENTRY_NS, "iias-approval/v2/manifest-entry.xsd",
       "ewp-specs-api-iias-approval", 2, _ME, "2.0.0"),
    _s("iias-approval-v1", IIAS_APPROVAL_V1_NS, "iias-approval/v1/response.xsd",
       "ewp-specs-api-iias-approval", 1, "response.xsd", "1.1.1"),
    _s("iias-approval-v1-entry", IIAS_APPROVAL_V1_ENTRY_NS, "iias-approval/v1/manifest-entry.xsd",
       "ewp-specs-api-iias-approval", 1, _ME, "1.1.1"),
    _s("iia-cnr", IIA_CNR_NS, "iia-cnr/v3/response.xsd", "ewp-specs-api-iia-cnr", 3,
       "response.xsd", "3.0.0"),
    _s("iia-cnr-entry", IIA_CNR_ENTRY_NS, "iia-cnr/v3/manifest-entry.xsd",
       "ewp-specs-api-iia-cnr", 3, _ME, "3.0.0"),
    _s("iia-approval-cnr", IIA_APPROVAL_CNR_NS, "iia-approval-cnr/v2/response.xsd",
       "ewp-specs-api-iia-approval-cnr", 2, "response.xsd", "2.0.0"),
    _s("iia-approval-cnr-entry", IIA_APPROVAL_CNR_ENTRY_NS,
       "iia-approval-cnr/v2/manifest-entry.xsd", "ewp-specs-api-iia-approval-cnr", 2, _ME,
       "2.0.0"),
    _s("courses", COURSES_NS, "courses/response.xsd", "ewp-specs-api-courses", 1,
       "response.xsd", "0.7.1"),
    _s("courses-entry", COURSES_ENTRY_NS, "courses/manifest-entry.xsd", "ewp-specs-api-courses",
       1, _ME, "0.7.1"),
    _s("las-get", LAS_GET_NS, "omobility-las/v1/get-response.xsd", "ewp-specs-api-omobility-las",
       1, "endpoints/get-response.xsd", "1.2.0"),
    _s("las-index", LAS_INDEX_NS, "omobility-las/v1/index-response.xsd",
       "ewp-specs-api-omobility-las", 1, "endpoints/index-response.xsd", "1.2.0"),
    _s("las-stats", LAS_STATS_NS, "omobility-las/v1/stats-response.xsd",
       "ewp-specs-api-omobility-las", 1, "endpoints/stats-response.xsd", "1.2.0"),
    _s("las-update-request", LAS_UPDATE_REQUEST_NS, "omobility-las/v1/update-request.xsd",
       "ewp-specs-api-omobility-las", 1, "endpoints/update-request.xsd", "1.2.0"),
    _s("las-update-response", LAS_UPDATE_RESPONSE_NS, "omobility-las/v1/update-response.xsd",
       "ewp-specs-api-omobility-las", 1, "endpoints/update-response.xsd", "1.2.0"),
    _s("las-entry", LAS_ENTRY_NS, "omobility-las/v1/manifest-entry.xsd",
       "ewp-specs-api-omobility-las", 1, _ME, "1.2.0"),
    _s("la-cnr", LA_CNR_NS, "omobility-la-cnr/v1/response.xsd",
       "ewp-specs-api-omobility-la-cnr", 1, "response.xsd", "1.1.0"),
    _s("la-cnr-stats", LA_CNR_STATS_NS, "omobility-la-cnr/v1/stats-response.xsd",
       "ewp-specs-api-omobility-la-cnr", 1, "endpoints/stats-response.xsd", "1.1.0"),
    _s("la-cnr-entry", LA_CNR_ENTRY_NS, "omobility-la-cnr/v1/manifest-entry.xsd",
       "ewp-specs-api-omobility-la-cnr", 1, _ME, "1.1.0"),
    _s("institutions", INSTITUTIONS_NS, "institutions/v2/response.xsd",
       "ewp-specs-api-institutions", 2, "response.xsd", "2.2.0"),
    _s("institutions-entry", INSTITUTIONS_ENTRY_NS, "institutions/v2/manifest-entry.xsd",
       "ewp-specs-api-institutions", 2, _ME, "2.2.0"),
    _s("ounits", OUNITS_NS, "ounits/v2/response.xsd", "ewp-specs-api-ounits", 2, "response.xsd",
       "2.1.1"),
    _s("ounits-entry", OUNITS_ENTRY_NS, "ounits/v2/manifest-entry.xsd", "ewp-specs-api-ounits",
       2, _ME, "2.1.1"),
    _s("factsheet", FACTSHEET_NS, "factsheet/v1/response.xsd", "ewp-specs-api-factsheet", 1,
       "response.xsd", "1.2.0"),
    _s("factsheet-entry", FACTSHEET_ENTRY_NS, "factsheet/v1/manifest-entry.xsd",
       "ewp-specs-api-factsheet", 1, _ME, "1.2.0"),
)

SCHEMA_BY_NAMESPACE: Final[dict[str, SchemaInfo]] = {s.namespace: s for s in SCHEMAS}


@dataclass(frozen=True, slots=True)
class ApiVersion:
    """An EWP API as the Registry names it, and the version this project speaks."""

    name: str
    version: str

    @property
    def major(self) -> int:
        return int(self.version.split(".", 1)[0])


DISCOVERY_API: Final = ApiVersion("discovery", "6.0.0")
ECHO_API: Final = ApiVersion("echo", "2.0.1")
IIAS_API: Final = ApiVersion("iias", "7.0.0")
IIAS_APPROVAL_API: Final = ApiVersion("iias-approval", "2.0.0")
IIA_CNR_API: Final = ApiVersion("iia-cnr", "3.0.0")
IIA_APPROVAL_CNR_API: Final = ApiVersion("iia-approval-cnr", "2.0.0")
OMOBILITY_LAS_API: Final = ApiVersion("omobility-las", "1.2.0")
OMOBILITY_LA_CNR_API: Final = ApiVersion("omobility-la-cnr", "1.1.0")
INSTITUTIONS_API: Final = ApiVersion("institutions", "2.2.0")
OUNITS_API: Final = ApiVersion("organizational-units", "2.1.1")
FACTSHEET_API: Final = ApiVersion("factsheet", "1.2.0")
