"""How long an undelivered change notification waits before its next try.

Exponential backoff: after the ``n``-th failed attempt the notification waits
``base * factor**(n-1)``, never more than ``cap``. A partner that is down is
then tried often at first (a restart takes seconds) and about once per ``cap``
later, until the notification expires. With ``jitter`` (a fraction between 0
and 1) each wait is shortened by a random part of up to that fraction, so that
the notifications queued for a partner while it was down do not all come back
at the same instant when it recovers; ``jitter=1`` is "full jitter" (a wait
anywhere between zero and the computed one). The default has no jitter, so a
schedule can be read off exactly.
"""

from __future__ import annotations

import random as _random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from ..errors import ConfigError

__all__ = ["Backoff"]


@dataclass(frozen=True, slots=True, kw_only=True)
class Backoff:
    """Exponential backoff with an optional jitter (see the module docstring)."""

    base: timedelta = timedelta(seconds=30)
    factor: float = 2.0
    cap: timedelta = timedelta(hours=1)
    jitter: float = 0.0

    def __post_init__(self) -> None:
        if self.base <= timedelta(0):
            raise ConfigError(f"the backoff base must be a positive time, not {self.base}")
        if not self.factor >= 1.0:  # also refuses NaN
            raise ConfigError(f"the backoff factor must be at least 1, not {self.factor}")
        if self.cap < self.base:
            raise ConfigError(f"the backoff cap ({self.cap}) is below its base ({self.base})")
        if not 0.0 <= self.jitter <= 1.0:
            raise ConfigError(f"the backoff jitter is a fraction in [0, 1], not {self.jitter}")

    def delay(self, failures: int, random: Callable[[], float] | None = None) -> timedelta:
        """The wait after the ``failures``-th failed attempt (1-based).

        ``random`` draws the jitter (a number in ``[0, 1)``), from the
        :mod:`random` module unless given; it is not called without jitter.
        """
        if failures < 1:
            raise ConfigError(f"a backoff is computed after a failure, not after {failures}")
        cap = self.cap.total_seconds()
        try:
            seconds = min(cap, self.base.total_seconds() * self.factor ** (failures - 1))
        except OverflowError:  # factor ** a large count: long past the cap
            seconds = cap
        if self.jitter:
            seconds *= 1.0 - self.jitter * (random or _random.random)()
        return timedelta(seconds=seconds)

    def schedule(self, failures: int) -> list[timedelta]:
        """The waits after the first ``failures`` failures, without jitter: for reading a policy."""
        plain = Backoff(base=self.base, factor=self.factor, cap=self.cap)
        return [plain.delay(n) for n in range(1, failures + 1)]
