"""Outgoing Mobility LAs v1: the ``update`` endpoint's request and response.

The receiving HEI either approves the current changes proposal or comments on
(rejects) it; both name the proposal by its id, so that a stale decision is
refused (HTTP 409) instead of applied to a newer proposal.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..namespaces import COMMON_NS, LAS_UPDATE_REQUEST_NS, LAS_UPDATE_RESPONSE_NS
from ._meta import element
from .common import MultilineStringWithOptionalLang
from .la import Signature


@dataclass(frozen=True, kw_only=True, slots=True)
class ApproveProposalV1:
    """Sign the changes proposal ``changes_proposal_id`` of mobility ``omobility_id``."""

    omobility_id: str = field(metadata=element("omobility-id"))
    changes_proposal_id: str = field(metadata=element("changes-proposal-id"))
    signature: Signature = field(metadata=element("signature"))

    class Meta:
        name = "approve-proposal-v1"
        namespace = LAS_UPDATE_REQUEST_NS


@dataclass(frozen=True, kw_only=True, slots=True)
class CommentProposalV1:
    """Reject the changes proposal ``changes_proposal_id`` with a comment for the sender."""

    omobility_id: str = field(metadata=element("omobility-id"))
    changes_proposal_id: str = field(metadata=element("changes-proposal-id"))
    comment: str = field(metadata=element("comment"))
    signature: Signature = field(metadata=element("signature"))

    class Meta:
        name = "comment-proposal-v1"
        namespace = LAS_UPDATE_REQUEST_NS


#: The update actions the request can carry (one per request).
LaUpdateAction = ApproveProposalV1 | CommentProposalV1


@dataclass(frozen=True, kw_only=True, slots=True)
class LasUpdateRequest:
    """The body of a POST to the LAs ``update`` endpoint of the sending HEI."""

    sending_hei_id: str = field(metadata=element("sending-hei-id"))
    action: ApproveProposalV1 | CommentProposalV1 = field(metadata=element())

    class Meta:
        name = "omobility-las-update-request"
        namespace = LAS_UPDATE_REQUEST_NS


@dataclass(frozen=True, kw_only=True, slots=True)
class LasUpdateResponse:
    """A successful update's answer; the messages, if any, should be shown to the user."""

    success_user_messages: tuple[MultilineStringWithOptionalLang, ...] = field(
        default=(), metadata=element("success-user-message", namespace=COMMON_NS)
    )

    class Meta:
        name = "omobility-las-update-response"
        namespace = LAS_UPDATE_RESPONSE_NS
