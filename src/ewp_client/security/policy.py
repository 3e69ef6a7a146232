"""What a verifier demands, as one dataclass, and the optional replay (nonce) store."""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import Final, Protocol, runtime_checkable

from ..errors import ConfigError
from .signing_string import REQUEST_TARGET

__all__ = [
    "MIN_CLOCK_SKEW",
    "InMemoryNonceStore",
    "NonceStore",
    "VerificationPolicy",
]

#: The EWP specs forbid a date threshold below five minutes.
MIN_CLOCK_SKEW: Final = 300.0


@runtime_checkable
class NonceStore(Protocol):
    """Remembers ``X-Request-Id`` values to refuse replays."""

    def seen_before(self, request_id: str, *, now: float, window: float) -> bool:
        """Record ``request_id``; whether it was already recorded within ``window`` seconds.

        Must be atomic: of two concurrent calls with the same id, one returns True.
        """


class InMemoryNonceStore:
    """A process-local :class:`NonceStore`; entries expire after the window."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._seen: OrderedDict[str, float] = OrderedDict()

    def seen_before(self, request_id: str, *, now: float, window: float) -> bool:
        with self._lock:
            while self._seen:
                oldest_id, at = next(iter(self._seen.items()))
                if now - at <= window:
                    break
                del self._seen[oldest_id]
            if request_id in self._seen:
                return True
            self._seen[request_id] = now
            return False

    def __len__(self) -> int:
        return len(self._seen)


@dataclass(frozen=True, slots=True, kw_only=True)
class VerificationPolicy:
    """The checks a verifier applies, with the EWP defaults.

    ``clock_skew``: seconds a signed date may be off (never below 300, the spec's
    floor). ``required_request_headers``: what a request signature must cover
    besides ``date`` or ``original-date``. ``replay_store``: when set, an
    ``X-Request-Id`` seen again within twice the skew window is refused (the spec
    makes this optional; the library leaves it off). ``verify_unsigned_dates``:
    also check a date header the signature does not cover (RECOMMENDED by the
    specs). ``require_signed_errors``: treat an unsigned 4xx/5xx response as a
    failure (the specs let error responses go unsigned).
    """

    clock_skew: float = MIN_CLOCK_SKEW
    required_request_headers: tuple[str, ...] = (REQUEST_TARGET, "host", "digest", "x-request-id")
    replay_store: NonceStore | None = None
    verify_unsigned_dates: bool = True
    require_signed_errors: bool = False

    def __post_init__(self) -> None:
        if self.clock_skew < MIN_CLOCK_SKEW:
            raise ConfigError(
                f"clock_skew {self.clock_skew} s is below the EWP minimum of {MIN_CLOCK_SKEW} s"
            )

    @staticmethod
    def now() -> float:
        return time.time()
