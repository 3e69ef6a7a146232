"""OMobility LA CNR v1.1, the receiving side: read a notification, answer it, publish stats.

The receiving HEI answers a well-formed notification with 200 and an empty
``omobility-la-cnr-response`` at once, unknown mobility ids included (it
fetches the changed LAs afterwards), and publishes counters of the LAs it
received (``stats``, served to the Stats Portal).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from ..codec import encode
from ..models import IncomingLaStats, LaCnrResponse, LaCnrStatsResponse
from .answers import bad_request

__all__ = [
    "LaCnrNotification",
    "read_notification",
    "render_incoming_stats",
    "render_notification_response",
]


@dataclass(frozen=True, slots=True, kw_only=True)
class LaCnrNotification:
    """One received LA change notification: whose LAs changed, and which."""

    sending_hei_id: str
    omobility_ids: tuple[str, ...]


def read_notification(params: Iterable[tuple[str, str]]) -> LaCnrNotification:
    """The notification in a CNR request's form parameters.

    Raises :class:`~ewp_client.errors.InvalidParameter` (answer 400) when
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
        raise bad_request(
            f"expected exactly one sending_hei_id, got {len(senders)}", "sending_hei_id"
        )
    if not any(ids):
        raise bad_request("expected at least one omobility_id", "omobility_id")
    return LaCnrNotification(
        sending_hei_id=senders[0], omobility_ids=tuple(dict.fromkeys(i for i in ids if i))
    )


def render_notification_response() -> bytes:
    """The (empty) answer to a properly received notification, sent with HTTP 200."""
    return encode(LaCnrResponse())


def render_incoming_stats(years: Iterable[IncomingLaStats]) -> bytes:
    """The ``stats`` answer of the receiving HEI, one entry per receiving academic year."""
    return encode(LaCnrStatsResponse(academic_years=tuple(years)))
