"""IIA Approval API: which of the caller's agreements the serving HEI has approved.

v2 answers with the ``iia-hash`` (IIAs v7) of the copy that was approved; v1,
kept for agreements approved under IIAs v6, with the v6 ``conditions-hash``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..namespaces import IIAS_APPROVAL_V1_NS, IIAS_APPROVAL_V2_NS
from ._meta import element


@dataclass(frozen=True, kw_only=True, slots=True)
class IiaApproval:
    """The approval of one agreement: the caller's ``iia_id`` and the hash of the approved copy."""

    iia_id: str = field(metadata=element("iia-id"))
    iia_hash: str = field(metadata=element("iia-hash"))
    pdf_file: str | None = field(default=None, metadata=element("pdf-file"))

    class Meta:
        namespace = IIAS_APPROVAL_V2_NS


@dataclass(frozen=True, kw_only=True, slots=True)
class IiasApprovalResponse:
    """The answer of the IIA Approval v2 API; agreements not approved are simply absent."""

    approvals: tuple[IiaApproval, ...] = field(default=(), metadata=element("approval"))

    class Meta:
        name = "iias-approval-response"
        namespace = IIAS_APPROVAL_V2_NS


@dataclass(frozen=True, kw_only=True, slots=True)
class IiaApprovalV1:
    """A v1 approval: the v6 ``conditions-hash`` of the approved copy and, optionally, its PDF."""

    iia_id: str = field(metadata=element("iia-id"))
    conditions_hash: str = field(metadata=element("conditions-hash"))
    pdf: str | None = field(default=None, metadata=element("pdf"))

    class Meta:
        namespace = IIAS_APPROVAL_V1_NS


@dataclass(frozen=True, kw_only=True, slots=True)
class IiasApprovalResponseV1:
    """The answer of the IIA Approval v1 API."""

    approvals: tuple[IiaApprovalV1, ...] = field(default=(), metadata=element("approval"))

    class Meta:
        name = "iias-approval-response"
        namespace = IIAS_APPROVAL_V1_NS
