"""The business clock of a node under control: real time moved by an offset a test sets.

A :class:`~ewp_client.clock.ShiftedClock` that can also be set to a moment
(forward only, unless told otherwise) and taken back to real time when the
node is reset. HTTP Signature checks never read it (see :mod:`ewp_client.clock`).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from ewp_client.clock import ShiftedClock, as_utc
from ewp_client.errors import ConfigError

__all__ = ["NodeClock"]


class NodeClock(ShiftedClock):
    """What a node with its control API on runs on when no clock was given."""

    def set(self, when: datetime, *, allow_backwards: bool = False) -> datetime:
        """Make the clock read ``when`` now (aware; it keeps flowing from there); the time.

        Earlier than the clock reads is refused (:class:`ConfigError`) unless
        ``allow_backwards``; never earlier than the real time it follows.
        """
        when = as_utc(when, what="the clock's time")
        with self._lock:
            base = self.base.now()
            if when < base + self._offset and not allow_backwards:
                raise ConfigError(
                    f"the clock would go back from {(base + self._offset).isoformat()} to "
                    f"{when.isoformat()}; allow_backwards to do it on purpose"
                )
            if when < base:
                raise ConfigError(
                    f"this clock runs ahead of real time, never behind it ({when.isoformat()})"
                )
            self._offset = when - base
        return when

    def rewind(self) -> datetime:
        """Back to real time (what a reset does); the time."""
        with self._lock:
            self._offset = timedelta(0)
        return self.now()

    def __repr__(self) -> str:
        return f"NodeClock(offset={self.offset})"
