"""IIA CNR v3 and IIA Approval CNR v2: telling a partner that an agreement changed or was approved.

IIA CNR: whenever one of our agreements is created, changed or deleted, we POST
its id (``iia_id``, our own id, one per request) to each partner's IIA CNR
API; the partner then re-reads it with the IIAs API. IIA Approval CNR: after
approving a partner's copy, we POST the *partner's* id of the agreement (the
owner of the approved copy, never our own id) to its IIA Approval CNR API; the
partner then reads our approval. The Approval CNR must not be used for an
agreement whose copies are not mapped, so it is sent for an
:class:`~ewp_client.iia.approval.ApprovalRecord`, which only
:func:`~ewp_client.iia.approval.approve` makes after checking the mapping.

Notifications carry no data and repeating one is harmless: each is retried
with backoff until the partner answers 200 (the client's retry policy). The
receiving side is here too: :func:`read_iia_cnr` and :func:`read_approval_cnr`
read an incoming notification's form parameters, and the two ``render_*``
functions write the (empty) answers.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from ..codec import decode, encode
from ..iia.approval import ApprovalRecord
from ..models import IiaApprovalCnrResponse, IiaCnrResponse
from ..namespaces import IIA_APPROVAL_CNR_API, IIA_CNR_API
from ..server.answers import bad_request
from .async_ import AsyncEwpClient
from .base import EwpCall
from .retry import CallKind
from .sync import EwpClient

__all__ = [
    "AsyncIiaCnrClient",
    "IiaApprovalCnrNotification",
    "IiaCnrClient",
    "IiaCnrNotification",
    "approval_notify_call",
    "notify_calls",
    "read_approval_cnr",
    "read_iia_cnr",
    "render_approval_cnr_response",
    "render_iia_cnr_response",
]


@dataclass(frozen=True, slots=True, kw_only=True)
class IiaCnrNotification:
    """A received IIA CNR: the notifier's agreement ``iia_id`` changed (or was deleted).

    ``notifier_hei_id`` is the HEI the request was authenticated as, when the
    receiver passes it (v3 has no parameter naming it).
    """

    iia_id: str
    notifier_hei_id: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class IiaApprovalCnrNotification:
    """A received IIA Approval CNR: our agreement ``iia_id`` (our own id) was approved.

    ``approving_hei_id`` is the HEI the request was authenticated as, when the
    receiver passes it; read its approval with the IIA Approval API.
    """

    iia_id: str
    approving_hei_id: str | None = None


# ------------------------------------------------------------------- requests


def notify_calls(partner_hei_id: str, iia_ids: Sequence[str]) -> list[EwpCall]:
    """The IIA CNR POSTs telling ``partner_hei_id`` that our ``iia_ids`` changed, one per id.

    Ids repeated in ``iia_ids`` are sent once, in first-seen order.
    """
    return [
        EwpCall(
            api=IIA_CNR_API,
            hei_id=partner_hei_id,
            endpoint="url",
            method="POST",
            params=(("iia_id", i),),
            kind=CallKind.NOTIFY,
            validate=False,
        )
        for i in dict.fromkeys(iia_ids)
    ]


def approval_notify_call(record: ApprovalRecord) -> EwpCall:
    """The IIA Approval CNR POST announcing our approval ``record`` to the copy's owner."""
    return EwpCall(
        api=IIA_APPROVAL_CNR_API,
        hei_id=record.partner_hei_id,
        endpoint="url",
        method="POST",
        params=(("iia_id", record.iia_id),),
        kind=CallKind.NOTIFY,
        validate=False,
    )


# -------------------------------------------------------------- receiving side


def _single_iia_id(params: Iterable[tuple[str, str]]) -> str:
    ids = [value for name, value in params if name == "iia_id"]
    if len(ids) != 1 or not ids[0]:
        raise bad_request(f"expected exactly one non-empty iia_id, got {len(ids)}")
    return ids[0]


def read_iia_cnr(
    params: Iterable[tuple[str, str]], *, notifier_hei_id: str | None = None
) -> IiaCnrNotification:
    """The IIA CNR in a request's form parameters.

    Raises :class:`~ewp_client.errors.BadRequest` (answer 400) unless there is
    exactly one non-empty ``iia_id``. Unknown parameters are ignored; an
    unknown agreement id is not an error (it may be a deletion).
    """
    return IiaCnrNotification(iia_id=_single_iia_id(params), notifier_hei_id=notifier_hei_id)


def read_approval_cnr(
    params: Iterable[tuple[str, str]], *, approving_hei_id: str | None = None
) -> IiaApprovalCnrNotification:
    """The IIA Approval CNR in a request's form parameters (400 as :func:`read_iia_cnr`)."""
    return IiaApprovalCnrNotification(
        iia_id=_single_iia_id(params), approving_hei_id=approving_hei_id
    )


def render_iia_cnr_response() -> bytes:
    """The (empty) answer to a properly received IIA CNR, sent with HTTP 200."""
    return encode(IiaCnrResponse())


def render_approval_cnr_response() -> bytes:
    """The (empty) answer to a properly received IIA Approval CNR, sent with HTTP 200."""
    return encode(IiaApprovalCnrResponse())


# ------------------------------------------------------------------- clients


class IiaCnrClient:
    """Sends IIA and IIA Approval change notifications, over an :class:`EwpClient`."""

    def __init__(self, client: EwpClient) -> None:
        self.client = client

    def notify(self, partner_hei_id: str, iia_ids: Sequence[str]) -> int:
        """Tell ``partner_hei_id`` that our ``iia_ids`` changed; returns the requests sent.

        Each request is retried until the partner answers 200 (or the retry
        policy gives up: then the error is raised and later ids are not sent).
        """
        calls = notify_calls(partner_hei_id, iia_ids)
        for call in calls:
            decode(self.client.notify(call).tree, IiaCnrResponse)
        return len(calls)

    def notify_approval(self, record: ApprovalRecord) -> None:
        """Tell the owner of the copy we approved that our approval is there to read."""
        decode(self.client.notify(approval_notify_call(record)).tree, IiaApprovalCnrResponse)


class AsyncIiaCnrClient:
    """The async twin of :class:`IiaCnrClient`, over an :class:`AsyncEwpClient`."""

    def __init__(self, client: AsyncEwpClient) -> None:
        self.client = client

    async def notify(self, partner_hei_id: str, iia_ids: Sequence[str]) -> int:
        """Tell ``partner_hei_id`` that our ``iia_ids`` changed; returns the requests sent."""
        calls = notify_calls(partner_hei_id, iia_ids)
        for call in calls:
            decode((await self.client.notify(call)).tree, IiaCnrResponse)
        return len(calls)

    async def notify_approval(self, record: ApprovalRecord) -> None:
        """Tell the owner of the copy we approved that our approval is there to read."""
        answer = await self.client.notify(approval_notify_call(record))
        decode(answer.tree, IiaApprovalCnrResponse)
