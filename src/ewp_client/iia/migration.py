"""Carrying IIA approvals made under IIAs v6 over to IIA Approval v2.

IIA Approval v1 quoted a v6 ``conditions-hash``; Approval v2 quotes the
``iia-hash`` of the approved copy, which v6 never had. The upgrade rule: keep a
snapshot of the approved agreement as an IIAs v6 get response, hash it with the
official v6 kit (``transform_version_6.xsl``, :mod:`ewp_client.iia.v6_hash`),
and put that hash in Approval v2. The v6 kit builds the text the agreement has
once served as v7, so when the partner's v7 copy still says what the approved
v6 copy said, its ``iia-hash`` is that same value and the approval stands.
``not-yet-defined`` and ``v6-value`` exist so that a migrated v7 copy keeps the
v6 text (and so the hash) until the partners change it.

:func:`check_v6_approval` tells, for a stored v6 snapshot and the v7 copy now
served, which hash the Approval v2 carries and whether the v6-era approval
still stands; when it does not, :attr:`V6ApprovalCheck.differences` says why,
field by field (:mod:`ewp_client.iia.diff`).
"""

from __future__ import annotations

from dataclasses import dataclass

from lxml import etree

from ..errors import UnexpectedDocumentError
from ..xml import Document
from .diff import FieldChange, diff_iia_hashes, select_iia
from .hash import (
    GET_RESPONSE,
    IiaHash,
    compute_iia_hashes,
    document_root,
    kit_version,
)

__all__ = ["V6ApprovalCheck", "check_v6_approval", "v6_approval_hash"]


@dataclass(frozen=True, slots=True)
class V6ApprovalCheck:
    """What becomes of an approval given under v6, once the agreement is served as v7."""

    #: The first partner's ``iia-id`` (the serving partner's id of the agreement).
    iia_id: str
    #: The v6 kit's hash of the approved snapshot: the ``iia-hash`` Approval v2 carries.
    approval_hash: str
    #: The v7 kit's hash of the copy served now.
    current_hash: str
    #: The hashed fields that differ between the approved snapshot and the current copy.
    differences: tuple[FieldChange, ...]
    #: Whether the current copy is valid for approval (no ``not-yet-defined`` / ``v6-value``).
    current_valid_for_approval: bool

    @property
    def stands(self) -> bool:
        """The v6-era approval still approves the current copy: the hashes are equal."""
        return self.approval_hash == self.current_hash


def _hashes(xml: Document, version: int, what: str) -> list[IiaHash]:
    """The kit's results for ``xml``, which must be an IIAs get response of ``version``."""
    root = document_root(xml)
    if kit_version(root) != version:
        qname = etree.QName(root)
        raise UnexpectedDocumentError(
            f"{what} must be an IIAs v{version} get response, not v{kit_version(root)}",
            namespace=qname.namespace,
            root=qname.localname,
            expected=GET_RESPONSE,
        )
    return compute_iia_hashes(root)


def _snapshot(snapshot: Document, iia_id: str | None) -> IiaHash:
    what = "the v6 snapshot"
    return select_iia(_hashes(snapshot, 6, what), iia_id, what=what)


def v6_approval_hash(snapshot: Document, *, iia_id: str | None = None) -> str:
    """The ``iia-hash`` an Approval v2 carries for the approved v6 ``snapshot``.

    ``snapshot`` is the stored IIAs v6 get response; ``iia_id`` (the first
    partner's id) picks the agreement when it holds several. Raises
    :class:`~ewp_client.errors.UnknownDocumentError` (or its subclass
    :class:`~ewp_client.errors.UnexpectedDocumentError` for a v7 response) when
    it is not an IIAs v6 get response, and
    :class:`~ewp_client.errors.IiaError` when the agreement cannot be picked.
    """
    return _snapshot(snapshot, iia_id).sha256


def check_v6_approval(
    snapshot: Document, current: Document, *, iia_id: str | None = None
) -> V6ApprovalCheck:
    """Whether the approval of the v6 ``snapshot`` still approves the v7 copy ``current``.

    ``current`` is the IIAs v7 get response serving the agreement now (the same
    partner's copy, so the same first partner ``iia-id``). Raises as
    :func:`v6_approval_hash`, for either document.
    """
    approved = _snapshot(snapshot, iia_id)
    what = "the current copy"
    now = select_iia(_hashes(current, 7, what), iia_id or approved.iia_id, what=what)
    return V6ApprovalCheck(
        iia_id=approved.iia_id,
        approval_hash=approved.sha256,
        current_hash=now.sha256,
        differences=diff_iia_hashes(approved, now).differences,
        current_valid_for_approval=now.valid_for_approval,
    )
