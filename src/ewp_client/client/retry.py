"""When a call to a partner is tried again, and how long we wait in between.

Reads (get, index, stats) are safe to repeat: they are retried on 5xx answers
(other than 501) and on timeouts and connection failures. Change notifications
are idempotent, so they are retried the same way until the partner answers 200.
Updates are never repeated blindly: a failed update surfaces to the caller,
who re-reads the object to learn whether it was applied.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from ..errors import ConfigError


class CallKind(enum.Enum):
    """How a call may be repeated."""

    READ = "read"
    NOTIFY = "notify"
    UPDATE = "update"


@dataclass(frozen=True, slots=True, kw_only=True)
class RetryPolicy:
    """Exponential backoff: ``backoff * 2**(n-1)`` seconds before try ``n+1``, capped."""

    attempts: int = 4
    backoff: float = 0.5
    max_backoff: float = 8.0

    def __post_init__(self) -> None:
        if self.attempts < 1:
            raise ConfigError(f"attempts must be at least 1, not {self.attempts}")
        if self.backoff < 0 or self.max_backoff < 0:
            raise ConfigError("backoff times cannot be negative")

    def delay(self, failed_attempts: int) -> float:
        """Seconds to wait after ``failed_attempts`` failures (1-based)."""
        return float(min(self.max_backoff, self.backoff * 2.0 ** (failed_attempts - 1)))

    def may_retry(self, kind: CallKind, failed_attempts: int) -> bool:
        return kind is not CallKind.UPDATE and failed_attempts < self.attempts


NO_RETRY = RetryPolicy(attempts=1)
