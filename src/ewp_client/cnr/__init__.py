"""Change notifications (CNRs) a node owes its partners: a sans-I/O outbox with backoff.

:class:`Outbox` keeps what to notify, deduplicated per object, and decides
when each notification is tried (:class:`Backoff`), when it has failed for
good and when it expires; its state is plain data a store persists
(:class:`OutboxStore`, :class:`MemoryOutboxStore`). The senders that make one
try through the EWP client (:func:`send_delivery`, :func:`asend_delivery`)
and :func:`classify_error` are imported on first use, so that the outbox
itself does not load the HTTP stack.
"""

from typing import TYPE_CHECKING

from .._lazy import lazy_attributes
from .backoff import Backoff
from .model import (
    Attempt,
    AttemptResult,
    CnrKind,
    Delivered,
    Delivery,
    EntryState,
    Failed,
    FailureKind,
    NotificationKey,
    OutboxEntry,
    Outcome,
    OutgoingNotification,
)
from .outbox import Outbox, OutboxPolicy
from .store import MemoryOutboxStore, OutboxStore

if TYPE_CHECKING:
    from .send import asend_delivery, async_sender, classify_error, send_delivery, sender

__all__ = [
    "Attempt",
    "AttemptResult",
    "Backoff",
    "CnrKind",
    "Delivered",
    "Delivery",
    "EntryState",
    "Failed",
    "FailureKind",
    "MemoryOutboxStore",
    "NotificationKey",
    "Outbox",
    "OutboxEntry",
    "OutboxPolicy",
    "OutboxStore",
    "Outcome",
    "OutgoingNotification",
    "asend_delivery",
    "async_sender",
    "classify_error",
    "send_delivery",
    "sender",
]

_LAZY = {
    name: ".send"
    for name in ("asend_delivery", "async_sender", "classify_error", "send_delivery", "sender")
}

__getattr__, __dir__ = lazy_attributes(__name__, globals(), _LAZY)
