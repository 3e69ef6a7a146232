"""Outgoing Mobility LA CNR v1.1: telling the receiving HEI that LAs changed, and its stats.

The sending HEI notifies the receiving HEI (POST ``sending_hei_id`` and
repeated ``omobility_id``, at most the partner's ``max-omobility-ids`` per
request) whenever one of its learning agreements is created or changes, even
when the change came from the receiving HEI's own ``update``. Notifications
carry no data, so repeating one is harmless: they are retried with backoff
until the partner answers 200. The receiving HEI answers with an empty
``omobility-la-cnr-response`` and publishes counters of the LAs it received
(``stats``). The functions here build and read both sides without I/O;
:class:`LaCnrClient` and :class:`AsyncLaCnrClient` send.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Final

from ..codec import decode, encode
from ..models import IncomingLaStats, LaCnrResponse, LaCnrStatsResponse
from ..namespaces import OMOBILITY_LA_CNR_API
from .async_ import AsyncEwpClient
from .base import EwpCall, bad_request, read_call, unique_batches
from .retry import CallKind
from .sync import EwpClient

__all__ = [
    "AsyncLaCnrClient",
    "LaCnrClient",
    "LaCnrNotification",
    "incoming_stats_call",
    "notify_calls",
    "read_notification",
    "render_incoming_stats",
    "render_notification_response",
]

_MAX_IDS: Final = "max-omobility-ids"


@dataclass(frozen=True, slots=True, kw_only=True)
class LaCnrNotification:
    """One received LA change notification: whose LAs changed, and which."""

    sending_hei_id: str
    omobility_ids: tuple[str, ...]


def notify_calls(
    receiving_hei_id: str, sending_hei_id: str, omobility_ids: Sequence[str], *, max_ids: int
) -> list[EwpCall]:
    """The POSTs notifying ``receiving_hei_id`` of ``omobility_ids``, ``max_ids`` per call.

    Ids repeated in ``omobility_ids`` are sent once, in first-seen order.
    """
    return [
        EwpCall(
            validate=False,
            api=OMOBILITY_LA_CNR_API,
            hei_id=receiving_hei_id,
            endpoint="url",
            method="POST",
            params=(
                ("sending_hei_id", sending_hei_id),
                *(("omobility_id", i) for i in batch),
            ),
            kind=CallKind.NOTIFY,
        )
        for batch in unique_batches(omobility_ids, max_ids)
    ]


def incoming_stats_call(receiving_hei_id: str) -> EwpCall:
    """The GET of the receiving HEI's incoming-LA ``stats`` (manifest ``stats-url``)."""
    return read_call(OMOBILITY_LA_CNR_API, receiving_hei_id, "stats-url")


def read_notification(params: Iterable[tuple[str, str]]) -> LaCnrNotification:
    """The notification in a CNR request's form parameters (the receiving side).

    Raises :class:`~ewp_client.errors.BadRequest` (answer 400) when
    ``sending_hei_id`` is missing or repeated, or no ``omobility_id`` is given.
    Unknown parameters are ignored; unknown mobility ids are not an error.
    """
    senders: list[str] = []
    ids: list[str] = []
    for name, value in params:
        if name == "sending_hei_id":
            senders.append(value)
        elif name == "omobility_id":
            ids.append(value)
    if len(senders) != 1 or not senders[0]:
        raise bad_request(f"expected exactly one sending_hei_id, got {len(senders)}")
    if not any(ids):
        raise bad_request("expected at least one omobility_id")
    return LaCnrNotification(
        sending_hei_id=senders[0], omobility_ids=tuple(dict.fromkeys(i for i in ids if i))
    )


def render_notification_response() -> bytes:
    """The (empty) answer to a properly received notification, sent with HTTP 200."""
    return encode(LaCnrResponse())


def render_incoming_stats(years: Iterable[IncomingLaStats]) -> bytes:
    """The ``stats`` answer of the receiving HEI, one entry per receiving academic year."""
    return encode(LaCnrStatsResponse(academic_years=tuple(years)))


def _locator(receiving_hei_id: str) -> EwpCall:
    return read_call(OMOBILITY_LA_CNR_API, receiving_hei_id, "url")


class LaCnrClient:
    """Sends LA change notifications and reads incoming-LA stats, over an :class:`EwpClient`."""

    def __init__(self, client: EwpClient) -> None:
        self.client = client

    def notify(
        self, receiving_hei_id: str, sending_hei_id: str, omobility_ids: Sequence[str]
    ) -> int:
        """Notify ``receiving_hei_id`` that these LAs changed; returns the requests sent.

        ``sending_hei_id`` is ours: when the client is configured with the HEIs
        it acts for (``hei_ids``), another is a :class:`~ewp_client.errors.ConfigError`.
        Each request is retried until the partner answers 200 (or the retry
        policy's attempts run out: then the last error is raised, and the
        notifications of later batches are not sent).
        """
        sending_hei_id = self.client.our_hei(sending_hei_id)
        max_ids = self.client.max_ids(receiving_hei_id, _locator(receiving_hei_id), _MAX_IDS)
        calls = notify_calls(receiving_hei_id, sending_hei_id, omobility_ids, max_ids=max_ids)
        for call in calls:
            decode(self.client.call(call).tree, LaCnrResponse)
        return len(calls)

    def stats(self, receiving_hei_id: str) -> LaCnrStatsResponse:
        """The receiving HEI's counters of the LAs it received, per academic year."""
        answer = self.client.call(incoming_stats_call(receiving_hei_id))
        return decode(answer.tree, LaCnrStatsResponse)


class AsyncLaCnrClient:
    """The async twin of :class:`LaCnrClient`, over an :class:`AsyncEwpClient`."""

    def __init__(self, client: AsyncEwpClient) -> None:
        self.client = client

    async def notify(
        self, receiving_hei_id: str, sending_hei_id: str, omobility_ids: Sequence[str]
    ) -> int:
        """Notify ``receiving_hei_id`` that these LAs changed; returns the requests sent."""
        sending_hei_id = self.client.our_hei(sending_hei_id)
        locator = _locator(receiving_hei_id)
        max_ids = await self.client.max_ids(receiving_hei_id, locator, _MAX_IDS)
        calls = notify_calls(receiving_hei_id, sending_hei_id, omobility_ids, max_ids=max_ids)
        for call in calls:
            decode((await self.client.call(call)).tree, LaCnrResponse)
        return len(calls)

    async def stats(self, receiving_hei_id: str) -> LaCnrStatsResponse:
        """The receiving HEI's counters of the LAs it received, per academic year."""
        answer = await self.client.call(incoming_stats_call(receiving_hei_id))
        return decode(answer.tree, LaCnrStatsResponse)
