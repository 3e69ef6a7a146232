"""The plain data of the change-notification outbox: what to send, what happened, what is kept.

Everything here is a frozen dataclass of strings, numbers, enums and aware UTC
datetimes. What the outbox keeps (:class:`OutboxEntry`, with its
:class:`Attempt` records) converts to and from JSON, so that a store can
persist it as it is (a row of text in SQLite) and a restarted node finds every
pending notification where it left it.

One :class:`OutboxEntry` is kept per notified object: the kind of
notification, the partner HEI told, our HEI telling it, and the object's id
(an ``iia_id`` or an ``omobility_id``). That key is what deduplicates: a
second change of an object whose notification has not gone out yet does not
queue a second one. The entry counts the changes (``revision``) so that a
change made while a notification was on its way is notified again once it
arrives.
"""

from __future__ import annotations

import enum
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Final

from ..clock import as_utc
from ..error_response import retryable_status
from ..errors import ConfigError

__all__ = [
    "Attempt",
    "AttemptResult",
    "CnrKind",
    "Delivered",
    "Delivery",
    "EntryState",
    "Failed",
    "FailureKind",
    "NotificationKey",
    "OutboxEntry",
    "Outcome",
    "OutgoingNotification",
]

#: The version of the JSON form of :class:`OutboxEntry`; a store refuses another.
ENTRY_FORMAT: Final = 1


class CnrKind(enum.StrEnum):
    """Which change notification API is called."""

    #: IIA CNR: our agreement (``iia_id``, our id) was created, changed or deleted.
    IIA = "iia-cnr"
    #: IIA Approval CNR: we approved the partner's copy (``iia_id``, the partner's id).
    IIA_APPROVAL = "iia-approval-cnr"
    #: LA CNR: learning agreements we send (``omobility_id``) were created or changed.
    LA = "la-cnr"


class EntryState(enum.StrEnum):
    """Where a notified object's latest change stands."""

    PENDING = "pending"  # waiting for its first or next try, or on its way
    DELIVERED = "delivered"  # the partner answered 200
    FAILED = "failed"  # the partner refused it (4xx): not tried again
    EXPIRED = "expired"  # not delivered before its expiry time


class AttemptResult(enum.StrEnum):
    """What one record of a notification's history says."""

    DELIVERED = "delivered"
    RETRY = "retry"  # failed, may be tried again (5xx, timeout, refused connection)
    FAILED = "failed"  # failed for good (4xx)
    EXPIRED = "expired"  # no attempt: the notification ran out of time


class FailureKind(enum.StrEnum):
    """Why an attempt failed, without any of the partner's text (it may quote students)."""

    HTTP_STATUS = "http-status"  # the partner answered an error status (``status``)
    TIMEOUT = "timeout"
    CONNECT = "connect"  # refused, unreachable, DNS, TLS handshake
    TRANSPORT = "transport"  # the connection failed after it was made
    RESPONSE_TOO_LARGE = "response-too-large"
    INVALID_RESPONSE = "invalid-response"  # 200, but not a CNR response
    RESPONSE_SIGNATURE = "response-signature"  # the answer's signature did not verify
    NO_ENDPOINT = "no-endpoint"  # the partner publishes no such CNR API
    REGISTRY_UNAVAILABLE = "registry-unavailable"
    REGISTRY = "registry"  # the catalogue's entry is unusable
    CONFIG = "config"  # our configuration: the sending HEI is not ours, no key...
    OTHER = "other"


@dataclass(frozen=True, slots=True, kw_only=True)
class OutgoingNotification:
    """A change to tell a partner about: what the node hands to :meth:`Outbox.enqueue`.

    ``partner_hei_id`` is the HEI notified. ``sending_hei_id`` is ours, the HEI
    on whose behalf we notify: required for LA CNR (it is a parameter of the
    call), optional for the IIA kinds (it keeps two of our HEIs' equal ids
    apart). ``object_ids`` are ``iia_id`` values (IIA CNR: ours; IIA Approval
    CNR: the partner's id of the copy we approved) or ``omobility_id`` values;
    repeats are dropped. ``url`` is the partner's CNR endpoint when the sender
    knows it without the Registry (the client's sender resolves the HEI in
    the Registry and does not read it).
    """

    kind: CnrKind
    partner_hei_id: str
    object_ids: tuple[str, ...]
    sending_hei_id: str | None = None
    url: str | None = None

    def __post_init__(self) -> None:
        ids = tuple(dict.fromkeys(self.object_ids))
        object.__setattr__(self, "object_ids", ids)
        if not ids or not all(ids):
            raise ConfigError(f"a {self.kind} notification needs non-empty object ids")
        if not self.partner_hei_id:
            raise ConfigError(f"a {self.kind} notification needs the partner HEI id")
        if self.kind is CnrKind.LA and not self.sending_hei_id:
            raise ConfigError("an LA CNR needs the sending HEI id (ours)")

    @classmethod
    def iia(
        cls, partner_hei_id: str, *iia_ids: str, sending_hei_id: str | None = None
    ) -> OutgoingNotification:
        """IIA CNR: our agreements ``iia_ids`` changed."""
        return cls(
            kind=CnrKind.IIA,
            partner_hei_id=partner_hei_id,
            object_ids=iia_ids,
            sending_hei_id=sending_hei_id,
        )

    @classmethod
    def iia_approval(
        cls, partner_hei_id: str, *iia_ids: str, sending_hei_id: str | None = None
    ) -> OutgoingNotification:
        """IIA Approval CNR: we approved the partner's copies ``iia_ids`` (the partner's ids)."""
        return cls(
            kind=CnrKind.IIA_APPROVAL,
            partner_hei_id=partner_hei_id,
            object_ids=iia_ids,
            sending_hei_id=sending_hei_id,
        )

    @classmethod
    def la(
        cls, receiving_hei_id: str, sending_hei_id: str, *omobility_ids: str
    ) -> OutgoingNotification:
        """LA CNR: the learning agreements ``omobility_ids`` we send changed."""
        return cls(
            kind=CnrKind.LA,
            partner_hei_id=receiving_hei_id,
            object_ids=omobility_ids,
            sending_hei_id=sending_hei_id,
        )

    def entry_keys(self) -> list[NotificationKey]:
        """The outbox key of each object."""
        return _keys(self.kind, self.partner_hei_id, self.sending_hei_id, self.object_ids)


@dataclass(frozen=True, slots=True, kw_only=True)
class NotificationKey:
    """What deduplicates: one notification per kind, partner, sending HEI and object."""

    kind: CnrKind
    partner_hei_id: str
    sending_hei_id: str | None
    object_id: str

    def as_string(self) -> str:
        """A stable text form (JSON), for a store's primary key."""
        return json.dumps(
            [self.kind.value, self.partner_hei_id, self.sending_hei_id, self.object_id],
            separators=(",", ":"),
        )

    @classmethod
    def from_string(cls, text: str) -> NotificationKey:
        try:
            kind, partner, sending, object_id = json.loads(text)
            return cls._checked(kind, partner, sending, object_id)
        except (ValueError, TypeError) as exc:
            raise ConfigError(f"not an outbox key: {text[:80]!r}") from exc

    @classmethod
    def _checked(cls, kind: Any, partner: Any, sending: Any, object_id: Any) -> NotificationKey:
        if not (
            isinstance(partner, str)
            and isinstance(object_id, str)
            and (sending is None or isinstance(sending, str))
        ):
            raise TypeError("key fields are strings")
        return cls(
            kind=CnrKind(kind), partner_hei_id=partner, sending_hei_id=sending, object_id=object_id
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class Delivery:
    """One notification request to send: what :meth:`Outbox.due` hands out.

    IIA kinds carry one id; an LA CNR delivery may batch several
    ``omobility_ids`` of one sending HEI. ``revisions`` holds, for each id, the
    change count it announces; the outbox compares it when the outcome comes
    back (a change made meanwhile is notified again). ``id`` ties the
    attempts recorded for a batch together.
    """

    id: str
    kind: CnrKind
    partner_hei_id: str
    sending_hei_id: str | None
    object_ids: tuple[str, ...]
    url: str | None = None
    revisions: tuple[int, ...] = field(default=(), repr=False)

    def entry_keys(self) -> list[NotificationKey]:
        """The outbox key of each object."""
        return _keys(self.kind, self.partner_hei_id, self.sending_hei_id, self.object_ids)


def _keys(
    kind: CnrKind, partner_hei_id: str, sending_hei_id: str | None, object_ids: tuple[str, ...]
) -> list[NotificationKey]:
    return [
        NotificationKey(
            kind=kind, partner_hei_id=partner_hei_id, sending_hei_id=sending_hei_id, object_id=i
        )
        for i in object_ids
    ]


@dataclass(frozen=True, slots=True, kw_only=True)
class Delivered:
    """The partner answered the notification with a success ``status`` (200)."""

    status: int = 200


@dataclass(frozen=True, slots=True, kw_only=True)
class Failed:
    """An attempt failed: ``retryable`` says whether trying again may help.

    ``status`` is the partner's HTTP status when it answered one; ``error`` the
    kind of failure; ``detail`` the exception type's name, when there was one
    (never its message: a partner's text may quote personal data).
    """

    retryable: bool
    error: FailureKind
    status: int | None = None
    detail: str | None = None

    @classmethod
    def for_status(cls, status: int, *, detail: str | None = None) -> Failed:
        """The failure of an error ``status``: retryable for 5xx other than 501, never for 4xx.

        501 (not implemented) will not change by trying again; a 4xx means the
        partner refused this request, and repeating it would be refused again.
        """
        return cls(
            retryable=retryable_status(status),
            error=FailureKind.HTTP_STATUS,
            status=status,
            detail=detail,
        )


#: What a sender reports for one :class:`Delivery`.
Outcome = Delivered | Failed


@dataclass(frozen=True, slots=True, kw_only=True)
class Attempt:
    """One record of a notification's history.

    ``at`` is when the attempt's outcome was recorded (business time);
    ``next_try`` when the notification will be tried next (``None``: it will
    not, being finished, or its next try would fall past its expiry).
    ``revision`` is the change the attempt announced. An expiry is recorded
    as a last record with :attr:`AttemptResult.EXPIRED` and no status.
    """

    at: datetime
    result: AttemptResult
    revision: int
    status: int | None = None
    error: FailureKind | None = None
    detail: str | None = None
    next_try: datetime | None = None
    delivery_id: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "at": self.at.isoformat(),
            "result": self.result.value,
            "revision": self.revision,
            "status": self.status,
            "error": None if self.error is None else self.error.value,
            "detail": self.detail,
            "next_try": _iso(self.next_try),
            "delivery_id": self.delivery_id,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Attempt:
        error = data.get("error")
        return cls(
            at=_time(data["at"]),
            result=AttemptResult(data["result"]),
            revision=_int(data["revision"]),
            status=None if data.get("status") is None else _int(data["status"]),
            error=None if error is None else FailureKind(error),
            detail=_opt_str(data.get("detail")),
            next_try=_opt_time(data.get("next_try")),
            delivery_id=_opt_str(data.get("delivery_id")),
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class OutboxEntry:
    """All the outbox knows about one notified object; what a store keeps.

    ``revision`` counts the changes enqueued; ``announced`` is the latest one
    the partner acknowledged (0: none yet). ``changed_at`` is the latest change, from
    which ``expires_at`` is counted (each change gets the full time to reach
    the partner). ``due_at`` is when it is tried next; ``tries`` counts the
    failed attempts since the latest change started a new round (the backoff
    grows with it). ``leased_until`` is set while a delivery is on its way:
    the entry is not handed out again before then, nor expired (after a
    crash, the lease runs out and the notification is tried again).
    ``attempts`` is its whole history.
    """

    key: NotificationKey
    state: EntryState
    revision: int
    announced: int
    changed_at: datetime
    due_at: datetime
    expires_at: datetime
    tries: int = 0
    url: str | None = None
    leased_until: datetime | None = None
    attempts: tuple[Attempt, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        key = self.key
        return {
            "format": ENTRY_FORMAT,
            "kind": key.kind.value,
            "partner_hei_id": key.partner_hei_id,
            "sending_hei_id": key.sending_hei_id,
            "object_id": key.object_id,
            "state": self.state.value,
            "revision": self.revision,
            "announced": self.announced,
            "changed_at": self.changed_at.isoformat(),
            "due_at": self.due_at.isoformat(),
            "expires_at": self.expires_at.isoformat(),
            "tries": self.tries,
            "url": self.url,
            "leased_until": _iso(self.leased_until),
            "attempts": [a.to_dict() for a in self.attempts],
        }

    def to_json(self) -> str:
        """The entry as one JSON document (keys sorted: equal entries give equal text)."""
        return json.dumps(self.to_dict(), sort_keys=True, separators=(",", ":"))

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> OutboxEntry:
        """The entry of :meth:`to_dict`; anything else is a
        :class:`~ewp_client.errors.ConfigError`."""
        try:
            if data.get("format") != ENTRY_FORMAT:
                raise ValueError(f"format {data.get('format')!r}, expected {ENTRY_FORMAT}")
            attempts = data["attempts"]
            if not isinstance(attempts, list):
                raise TypeError("attempts is not a list")
            return cls(
                key=NotificationKey._checked(
                    data["kind"], data["partner_hei_id"], data["sending_hei_id"], data["object_id"]
                ),
                state=EntryState(data["state"]),
                revision=_int(data["revision"]),
                announced=_int(data["announced"]),
                changed_at=_time(data["changed_at"]),
                due_at=_time(data["due_at"]),
                expires_at=_time(data["expires_at"]),
                tries=_int(data["tries"]),
                url=_opt_str(data.get("url")),
                leased_until=_opt_time(data.get("leased_until")),
                attempts=tuple(Attempt.from_dict(a) for a in _mappings(attempts)),
            )
        except (KeyError, ValueError, TypeError, AttributeError) as exc:
            raise ConfigError(f"not an outbox entry: {type(exc).__name__}: {exc}") from exc

    @classmethod
    def from_json(cls, text: str | bytes) -> OutboxEntry:
        """The entry of :meth:`to_json`; anything else is a
        :class:`~ewp_client.errors.ConfigError`."""
        try:
            data = json.loads(text)
        except ValueError as exc:
            raise ConfigError(f"an outbox entry is not JSON: {exc}") from exc
        if not isinstance(data, dict):
            raise ConfigError("an outbox entry is a JSON object")
        return cls.from_dict(data)

    @property
    def finished(self) -> bool:
        return self.state is not EntryState.PENDING

    def in_flight(self, now: datetime) -> bool:
        """Whether a delivery handed out before ``now`` may still be on its way."""
        return self.leased_until is not None and self.leased_until > now


# ------------------------------------------------------------------ JSON helpers


def _iso(when: datetime | None) -> str | None:
    return None if when is None else when.isoformat()


def _time(value: Any) -> datetime:
    if not isinstance(value, str):
        raise TypeError(f"a time is an ISO 8601 string, not {type(value).__name__}")
    try:
        return as_utc(datetime.fromisoformat(value))
    except ConfigError as exc:
        raise ValueError(str(exc)) from None


def _opt_time(value: Any) -> datetime | None:
    return None if value is None else _time(value)


def _int(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"expected an integer, not {value!r}")
    return value


def _opt_str(value: Any) -> str | None:
    if value is not None and not isinstance(value, str):
        raise TypeError(f"expected a string, not {type(value).__name__}")
    return value


def _mappings(items: Iterable[Any]) -> Iterable[Mapping[str, Any]]:
    for item in items:
        if not isinstance(item, Mapping):
            raise TypeError("an attempt is a JSON object")
        yield item
