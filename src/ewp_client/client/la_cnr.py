"""Outgoing Mobility LA CNR v1.1: telling the receiving HEI that LAs changed, and its stats.

The sending HEI notifies the receiving HEI (POST ``sending_hei_id`` and
repeated ``omobility_id``, at most the partner's ``max-omobility-ids`` per
request) whenever one of its learning agreements is created or changes, even
when the change came from the receiving HEI's own ``update``. Notifications
carry no data, so repeating one is harmless: they are retried with backoff
until the partner answers 200. The receiving HEI answers with an empty
``omobility-la-cnr-response`` and publishes counters of the LAs it received
(``stats``). The functions here build the sending side's calls without I/O;
:class:`LaCnrClient` and :class:`AsyncLaCnrClient` send. The receiving side
(reading a notification, the answers) is :mod:`ewp_client.server.la_cnr`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

from ..codec import decode
from ..models import LaCnrResponse, LaCnrStatsResponse
from ..namespaces import OMOBILITY_LA_CNR_API
from ..server.la_cnr import LaCnrNotification
from .async_ import AsyncEwpClient
from .base import EwpCall, read_call, unique_batches
from .retry import CallKind
from .sync import EwpClient

__all__ = [
    "AsyncLaCnrClient",
    "LaCnrClient",
    "LaCnrNotification",
    "incoming_stats_call",
    "notify_calls",
]

_MAX_IDS: Final = "max-omobility-ids"


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
        max_ids = self.client.max_ids(_locator(receiving_hei_id), _MAX_IDS)
        calls = notify_calls(receiving_hei_id, sending_hei_id, omobility_ids, max_ids=max_ids)
        for call in calls:
            decode(self.client.notify(call).tree, LaCnrResponse)
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
        max_ids = await self.client.max_ids(locator, _MAX_IDS)
        calls = notify_calls(receiving_hei_id, sending_hei_id, omobility_ids, max_ids=max_ids)
        for call in calls:
            decode((await self.client.notify(call)).tree, LaCnrResponse)
        return len(calls)

    async def stats(self, receiving_hei_id: str) -> LaCnrStatsResponse:
        """The receiving HEI's counters of the LAs it received, per academic year."""
        answer = await self.client.call(incoming_stats_call(receiving_hei_id))
        return decode(answer.tree, LaCnrStatsResponse)
