"""IIA Approval API v2: reading which of our agreements a partner has approved.

We ask the partner about *our* iia-ids (at most its ``max-iia-ids`` per
request); it answers with one ``<approval>`` per agreement whose copy (ours)
it approved, quoting the ``iia-hash`` of the version it approved, and leaves
the others out. :func:`~ewp_client.iia.approval.approval_status` tells, for
each of our IIAs, whether that is the version we serve now. The serving side
(our approvals of the partner's copies) is in :mod:`ewp_client.iia.approval`
(:func:`~ewp_client.iia.approval.render_approval_response`), with
:func:`~ewp_client.client.iias.read_iia_ids` for the request parameters.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Final

from ..codec import decode
from ..iia.approval import PartnerApproval, approval_problems, approval_status, current_hashes
from ..iia.hash import IiaHash
from ..models import IiasApprovalResponse
from ..namespaces import IIAS_APPROVAL_API
from ..partner_warnings import issue
from .async_ import AsyncEwpClient
from .base import (
    MAX_GET_QUERY_LENGTH,
    Answer,
    EwpCall,
    PartnerApi,
    read_call,
    unique_batches,
)
from .sync import EwpClient

__all__ = [
    "AsyncIiaApprovalClient",
    "IiaApprovalClient",
    "approval_calls",
    "merge_approval_answers",
]

_MAX_IDS: Final = "max-iia-ids"

OurHashes = Mapping[str, str] | Iterable[IiaHash]


def approval_calls(
    hei_id: str,
    our_iia_ids: Sequence[str],
    *,
    max_ids: int,
    max_query_length: int = MAX_GET_QUERY_LENGTH,
) -> list[EwpCall]:
    """The calls asking ``hei_id`` about ``our_iia_ids``, at most ``max_ids`` per call.

    Repeated ids are asked for once. A call is a GET unless its query would
    exceed ``max_query_length`` (then a POST form).
    """
    return [
        read_call(
            IIAS_APPROVAL_API, hei_id, "url", [("iia_id", i) for i in batch], max_query_length
        )
        for batch in unique_batches(our_iia_ids, max_ids)
    ]


def merge_approval_answers(answers: Iterable[Answer]) -> IiasApprovalResponse:
    """The approvals of every answer, in the order received, as one response."""
    return IiasApprovalResponse(
        approvals=tuple(
            approval
            for answer in answers
            for approval in decode(answer.tree, IiasApprovalResponse).approvals
        )
    )


def _locator(hei_id: str) -> EwpCall:
    return read_call(IIAS_APPROVAL_API, hei_id, "url")


class IiaApprovalClient(PartnerApi[EwpClient]):
    """Reads a partner's approvals of our agreements, over an :class:`EwpClient`."""

    def get(self, hei_id: str, our_iia_ids: Sequence[str]) -> IiasApprovalResponse:
        """The partner's approvals of the agreements ``our_iia_ids`` (absent: not approved)."""
        if not our_iia_ids:
            return IiasApprovalResponse()
        max_ids = self.client.max_ids(_locator(hei_id), _MAX_IDS)
        calls = approval_calls(
            hei_id, our_iia_ids, max_ids=max_ids, max_query_length=self.max_query_length
        )
        return merge_approval_answers(self.client.read_ids(calls, "iia_id", max_ids))

    def status(
        self,
        hei_id: str,
        ours: OurHashes,
        *,
        partner_copies: Iterable[IiaHash] | None = None,
    ) -> dict[str, PartnerApproval]:
        """For each of our IIAs (id -> hash we serve now), whether the partner approved it.

        See :func:`~ewp_client.iia.approval.approval_status`; what the
        approvals show the partner got wrong is issued as warnings
        (:func:`~ewp_client.iia.approval.approval_problems`: an older version
        approved; with the kit's results as ``ours``, an IIA not valid for
        approval approved; with ``partner_copies``, an unmapped IIA approved).
        """
        ours = ours if isinstance(ours, Mapping) else tuple(ours)
        current = current_hashes(ours)
        return _judged(hei_id, current, ours, self.get(hei_id, list(current)), partner_copies)


class AsyncIiaApprovalClient(PartnerApi[AsyncEwpClient]):
    """The async twin of :class:`IiaApprovalClient`, over an :class:`AsyncEwpClient`."""

    async def get(self, hei_id: str, our_iia_ids: Sequence[str]) -> IiasApprovalResponse:
        """The partner's approvals of the agreements ``our_iia_ids`` (absent: not approved)."""
        if not our_iia_ids:
            return IiasApprovalResponse()
        max_ids = await self.client.max_ids(_locator(hei_id), _MAX_IDS)
        calls = approval_calls(
            hei_id, our_iia_ids, max_ids=max_ids, max_query_length=self.max_query_length
        )
        return merge_approval_answers(await self.client.read_ids(calls, "iia_id", max_ids))

    async def status(
        self,
        hei_id: str,
        ours: OurHashes,
        *,
        partner_copies: Iterable[IiaHash] | None = None,
    ) -> dict[str, PartnerApproval]:
        """For each of our IIAs (id -> hash we serve now), whether the partner approved it."""
        ours = ours if isinstance(ours, Mapping) else tuple(ours)
        current = current_hashes(ours)
        approvals = await self.get(hei_id, list(current))
        return _judged(hei_id, current, ours, approvals, partner_copies)


def _judged(
    hei_id: str,
    current: dict[str, str],
    ours: OurHashes,
    approvals: IiasApprovalResponse,
    partner_copies: Iterable[IiaHash] | None,
) -> dict[str, PartnerApproval]:
    status = approval_status(current, approvals)
    for problem in approval_problems(
        status, ours, partner_hei_id=hei_id, partner_copies=partner_copies
    ):
        issue(problem, stacklevel=4)
    return status
