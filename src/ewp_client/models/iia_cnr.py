"""IIA CNR v3 and IIA Approval CNR v2: the (always empty) answers to change notifications."""

from __future__ import annotations

from dataclasses import dataclass

from ..namespaces import IIA_APPROVAL_CNR_NS, IIA_CNR_NS


@dataclass(frozen=True, kw_only=True, slots=True)
class IiaCnrResponse:
    """The answer to a notification that an agreement changed; it carries nothing."""

    class Meta:
        name = "iia-cnr-response"
        namespace = IIA_CNR_NS


@dataclass(frozen=True, kw_only=True, slots=True)
class IiaApprovalCnrResponse:
    """The answer to a notification that an agreement was approved; it carries nothing."""

    class Meta:
        name = "iia-approval-cnr-response"
        namespace = IIA_APPROVAL_CNR_NS
