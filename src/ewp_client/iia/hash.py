"""``iia-hash`` for every ``<iia>`` of an IIAs get response, as the official kit computes it.

:func:`compute_iia_hashes` gives, for each ``<iia>`` in document order, the
``text-to-hash`` the official XSLT 2.0 kit builds (``transform_version_7.xsl``
for IIAs v7, ``transform_version_6.xsl`` for v6 agreements being migrated), its
SHA-256 (what ``iia-hash`` must hold) and the kit's ``valid-for-approval``. No
XSLT processor is involved: the text is rebuilt with lxml by
:mod:`ewp_client.iia.text_to_hash` (v7) and :mod:`ewp_client.iia.v6_hash` (v6).

Read this before serving several IIAs in one response: the kit looks at the
*whole response* for two things, so an IIA's result can change with the IIAs
sent along with it.

* ``terminated-as-a-whole="true"`` on any IIA's ``cooperation-conditions``
  prefixes the text (and so changes the hash) of *every* IIA in the response.
* ``not-yet-defined="true"`` or a ``v6-value`` anywhere in the response makes
  *every* IIA in it not valid for approval.

The hash is defined on the document as sent, whether or not it is
schema-valid; when the kit itself would fail (a partner with two ``iia-id``,
a mobility with two ``receiving-first-academic-year-id``)
:class:`~ewp_client.errors.IiaNotHashableError` is
raised, as there is no hash
to agree on.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Final

from lxml import etree

from ..errors import ConfigError, IiaHashError, UnknownDocumentError
from ..namespaces import IIAS_V6_GET_NS, IIAS_V7_GET_NS
from ..xml.parser import Document, as_tree
from .text_to_hash import (
    DocumentMarkers,
    Field,
    HashedField,
    IiaParts,
    field_of,
    hashed_pieces,
    iias,
    piece,
)
from .v6_hash import hashed_fields_v6

GET_RESPONSE: Final = "iias-get-response"
#: The kit version for each IIAs get-response namespace.
KIT_VERSIONS: Final[dict[str, int]] = {IIAS_V7_GET_NS: 7, IIAS_V6_GET_NS: 6}


@dataclass(frozen=True, slots=True)
class IiaHash:
    """The kit's output for one ``<iia>``, and the ``iia-hash`` the document declares."""

    #: The first partner's ``iia-id`` (as the kit reports it; empty when missing).
    iia_id: str
    text_to_hash: str
    #: Lower-case hex SHA-256 of the UTF-8 ``text_to_hash``: the ``iia-hash`` value.
    sha256: str
    valid_for_approval: bool
    #: 7 or 6: which kit built the text.
    version: int
    #: The ``<iia-hash>`` the ``<iia>`` carries, verbatim; ``None`` when it has none
    #: (and always for v6, which has no ``iia-hash``).
    declared_hash: str | None
    #: Source line of the ``<iia>`` element, when known.
    line: int | None
    #: Each ``<partner>``'s ``hei-id`` in document order (the first partner serves the copy).
    partner_hei_ids: tuple[str, ...]
    #: The fields ``text_to_hash`` is made of, each as the text holds it
    #: (``text_to_hash`` is their concatenation).
    pieces: tuple[str, ...]

    @property
    def field_tuples(self) -> tuple[Field, ...]:
        """The ``(kind, label, value)`` fields ``text_to_hash`` is made of, in order."""
        return tuple(field_of(p) for p in self.pieces)

    @property
    def fields(self) -> tuple[HashedField, ...]:
        """The fields ``text_to_hash`` is made of, in order: what a diff compares."""
        return tuple(HashedField(*field_of(p)) for p in self.pieces)

    @property
    def matches_declared(self) -> bool | None:
        """Whether the declared ``iia-hash`` is the computed one (``None``: none declared)."""
        if self.declared_hash is None:
            return None
        return self.declared_hash == self.sha256


def sha256_hex(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def document_root(xml: Document) -> etree._Element:
    """The root of the document ``xml`` is, or belongs to: the kit always reads it whole.

    Bytes are parsed with the hardened parser, comments and processing
    instructions left out (the kit's values skip them).
    """
    if isinstance(xml, etree._Element):
        xml = xml.getroottree()
    return as_tree(xml, keep_comments=False).getroot()


def kit_version(root: etree._Element) -> int:
    """7 or 6 for an IIAs v7 / v6 get response; :class:`UnknownDocumentError` otherwise."""
    qname = etree.QName(root)
    version = KIT_VERSIONS.get(qname.namespace or "")
    if version is None or qname.localname != GET_RESPONSE:
        raise UnknownDocumentError(
            f"not an IIAs v7 or v6 get response: root element <{qname.localname}> "
            f"in namespace {qname.namespace or '(none)'}",
            namespace=qname.namespace,
            root=qname.localname,
        )
    return version


def compute_iia_hashes(xml: Document, *, version: int | None = None) -> list[IiaHash]:
    """The kit's result for every ``<iia>`` of ``xml``, in document order.

    ``xml`` is the response's bytes (parsed with the hardened parser) or an lxml
    tree; an element stands for the whole document it belongs to, as the kit
    always reads the whole document. ``version`` picks the kit (7 or 6) and then
    any root element is accepted; by default the kit follows the root element's
    namespace and anything but an IIAs v7 or v6 get response is refused with
    :class:`UnknownDocumentError`.
    """
    root = document_root(xml)
    if version is None:
        version = kit_version(root)
    elif version not in (6, 7):
        raise ConfigError(f"there is an iia-hash kit for IIAs v7 and v6, not v{version}")
    markers = DocumentMarkers.of(root) if version == 7 else None
    results = []
    for iia in iias(root):
        parts = IiaParts.of(iia)
        if markers is None:
            pieces = [piece(*f) for f in hashed_fields_v6(iia, parts)]
        else:
            pieces = hashed_pieces(iia, markers, parts)
        text = "".join(pieces)
        results.append(
            IiaHash(
                iia_id=parts.iia_id,
                text_to_hash=text,
                sha256=sha256_hex(text),
                valid_for_approval=markers is None or markers.valid_for_approval,
                version=version,
                declared_hash=parts.declared_hash if version == 7 else None,
                line=iia.sourceline,
                partner_hei_ids=parts.hei_ids,
                pieces=tuple(pieces),
            )
        )
    return results


def verify_iia_hashes(xml: Document) -> list[IiaHash]:
    """:func:`compute_iia_hashes`, raising :class:`IiaHashError` for the first declared
    ``iia-hash`` that differs from the computed one (an IIA declaring none passes)."""
    results = compute_iia_hashes(xml)
    for result in results:
        if result.declared_hash is not None and result.declared_hash != result.sha256:
            raise IiaHashError(
                f"IIA {result.iia_id!r} (line {result.line}) declares iia-hash "
                f"{result.declared_hash} but its text hashes to {result.sha256}",
                iia_id=result.iia_id,
                declared=result.declared_hash,
                computed=result.sha256,
                text_to_hash=result.text_to_hash,
            )
    return results


__all__ = [
    "IiaHash",
    "compute_iia_hashes",
    "document_root",
    "kit_version",
    "sha256_hex",
    "verify_iia_hashes",
]
