"""Business time: the one clock a node reads for what it records and schedules.

A node's business timestamps (when an LA or IIA changed, what ``modified_since``
compares against, when a change notification is due or expires) read a
:class:`Clock` rather than the system time, so that a test or a demo can set
the time or move it forward: a day of notification retries then runs in
milliseconds.

This is *business* time only. HTTP Signature checks (the ``Date`` window, the
replay cache) and the client's exchange deadlines stay on the real clock, and
must: a partner on real time has to keep being able to talk to a node whose
business clock was moved by a day.

Every clock answers timezone-aware UTC datetimes. A naive datetime is refused
wherever one is given (its zone would be a guess), and an aware one in another
zone is converted to UTC.

:class:`ManualClock` never goes backwards unless the caller says so
(``allow_backwards=True``): what reads business time (``modified_since``,
notification schedules, the order of LA versions) assumes it does not, so a
test that needs a clock going back must say it on purpose.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from typing import Protocol, runtime_checkable

from .errors import ConfigError

__all__ = ["Clock", "ManualClock", "ShiftedClock", "SystemClock", "as_utc"]


def as_utc(when: datetime, *, what: str = "time") -> datetime:
    """``when`` in UTC; a naive datetime is a :class:`~ewp_client.errors.ConfigError`."""
    if when.tzinfo is None or when.utcoffset() is None:
        raise ConfigError(f"{what} must be timezone-aware, not the naive {when.isoformat()}")
    return when.astimezone(UTC)


@runtime_checkable
class Clock(Protocol):
    """What reads business time needs: the current time, aware and in UTC."""

    def now(self) -> datetime:
        """The current business time (timezone-aware, UTC)."""
        ...


class SystemClock:
    """The real time of the system: what a node runs on unless told otherwise."""

    def now(self) -> datetime:
        return datetime.now(UTC)

    def __repr__(self) -> str:
        return "SystemClock()"


class ManualClock:
    """A clock that stands still until it is set or advanced: for tests and demos.

    ``start`` is where it begins (the system time at creation when not given).
    Safe to share between threads (a mock node's routes and its outbox).
    """

    def __init__(self, start: datetime | None = None) -> None:
        self._now = datetime.now(UTC) if start is None else as_utc(start, what="start")
        self._lock = threading.Lock()

    def now(self) -> datetime:
        return self._now

    def advance(self, delta: timedelta) -> datetime:
        """Move the clock forward by ``delta`` and return the new time.

        A negative ``delta`` is a :class:`~ewp_client.errors.ConfigError`: use
        :meth:`set` with ``allow_backwards=True`` to go back on purpose.
        """
        if delta < timedelta(0):
            raise ConfigError(f"a clock advances by a positive time, not {delta}")
        with self._lock:
            self._now += delta
            return self._now

    def set(self, when: datetime, *, allow_backwards: bool = False) -> datetime:
        """Set the clock to ``when`` (aware; converted to UTC) and return it.

        Setting it earlier than it shows is refused with
        :class:`~ewp_client.errors.ConfigError` unless ``allow_backwards``.
        """
        when = as_utc(when, what="the clock's time")
        with self._lock:
            if when < self._now and not allow_backwards:
                raise ConfigError(
                    f"the clock would go back from {self._now.isoformat()} to "
                    f"{when.isoformat()}; pass allow_backwards=True to do it on purpose"
                )
            self._now = when
            return when

    def __repr__(self) -> str:
        return f"ManualClock({self._now.isoformat()})"


class ShiftedClock:
    """The system time moved by an offset that only grows: a running node sent ahead.

    A :class:`ManualClock` stands still, so every change a running node makes
    would carry the same timestamp; this one keeps flowing with real time,
    and :meth:`advance` jumps it forward (a mock node's control API can make a
    day pass in an instant while its partners stay on real time). ``base`` is
    the clock it follows (:class:`SystemClock` by default).
    """

    def __init__(self, base: Clock | None = None, *, offset: timedelta = timedelta(0)) -> None:
        if offset < timedelta(0):
            raise ConfigError(f"a clock is shifted forward, not by {offset}")
        self.base = base if base is not None else SystemClock()
        self._offset = offset
        self._lock = threading.Lock()

    @property
    def offset(self) -> timedelta:
        """How far ahead of ``base`` this clock is."""
        return self._offset

    def now(self) -> datetime:
        return self.base.now() + self._offset

    def advance(self, delta: timedelta) -> datetime:
        """Jump forward by ``delta`` (never back: see :meth:`ManualClock.advance`)."""
        if delta < timedelta(0):
            raise ConfigError(f"a clock advances by a positive time, not {delta}")
        with self._lock:
            self._offset += delta
        return self.now()

    def __repr__(self) -> str:
        return f"ShiftedClock({self.base!r}, offset={self._offset})"
