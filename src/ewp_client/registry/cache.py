"""How long a catalogue copy may be used, and what to do when the Registry cannot be reached.

This is the I/O-free half of the caching client: given a clock reading and what
the Registry answered (or that it did not), decide which copy to use. The
Registry spec lets clients take the cache lifetime from ``Cache-Control`` /
``Expires`` but bounds it to [1 minute, 3 hours] (15 minutes when the headers
say nothing usable), and lets them fall back to a stale copy when the Registry
is down; we do so for at most :attr:`CachePolicy.max_stale_age`.

Times are seconds on the wall clock (``time.time()``), so that a copy saved on
disk keeps its age across processes.
"""

from __future__ import annotations

import email.utils
import logging
import math
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Final

from ..errors import RegistryUnavailableError
from .catalogue import Catalogue

PRODUCTION_CATALOGUE_URL: Final = "https://registry.erasmuswithoutpaper.eu/catalogue-v1.xml"
DEVELOPMENT_CATALOGUE_URL: Final = "https://dev-registry.erasmuswithoutpaper.eu/catalogue-v1.xml"

log = logging.getLogger("ewp_client.registry")


@dataclass(frozen=True, slots=True, kw_only=True)
class CachePolicy:
    """Cache lifetimes, in seconds.

    ``retry_interval``: after a failed refresh the stale copy is served this long
    before the Registry is asked again. ``forced_refresh_interval``: an unknown
    ``keyId`` triggers a refresh only when the copy was last confirmed by the
    Registry at least this long ago, so that a stream of bogus key ids cannot
    turn into a stream of Registry downloads.
    """

    default_ttl: float = 15 * 60
    min_ttl: float = 60
    max_ttl: float = 3 * 3600
    max_stale_age: float = 5 * 24 * 3600
    retry_interval: float = 60
    forced_refresh_interval: float = 60

    def clamp(self, seconds: float) -> float:
        return min(max(seconds, self.min_ttl), self.max_ttl)


def _lower(headers: Mapping[str, str]) -> dict[str, str]:
    return {k.lower(): v for k, v in headers.items()}


def _http_date(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return email.utils.parsedate_to_datetime(value).timestamp()
    except (TypeError, ValueError, IndexError, OverflowError):
        return None


def freshness_lifetime(headers: Mapping[str, str], policy: CachePolicy, now: float) -> float:
    """Seconds a response stays fresh, from its headers, clamped to the policy's bounds.

    ``Cache-Control: max-age`` (less ``Age``) wins over ``Expires`` (measured from
    the response's ``Date`` when given, so that clock skew does not count);
    ``no-cache`` / ``no-store`` and unparsable ``Expires`` mean "already stale"
    (hence the minimum); no usable header means the default.
    """
    h = _lower(headers)
    directives: dict[str, str | None] = {}
    for part in h.get("cache-control", "").split(","):
        name, _, value = part.strip().partition("=")
        if name:
            directives[name.lower()] = value.strip().strip('"') if value else None
    if "no-store" in directives or "no-cache" in directives:
        return policy.min_ttl
    max_age = directives.get("max-age")
    if max_age is not None and max_age.isdigit():
        age = h.get("age", "0").strip()
        return policy.clamp(int(max_age) - (int(age) if age.isdigit() else 0))
    if "expires" in h:
        expires = _http_date(h["expires"])
        if expires is None:
            return policy.min_ttl
        base = _http_date(h.get("date"))
        return policy.clamp(expires - (base if base is not None else now))
    return policy.default_ttl


@dataclass(frozen=True, slots=True, kw_only=True)
class CachedCatalogue:
    """A catalogue copy and what we know of its freshness.

    ``validated_at`` is when the Registry last confirmed this copy (a 200 or a
    304); ``expires_at`` when it stops being fresh.
    """

    catalogue: Catalogue
    body: bytes
    etag: str | None
    last_modified: str | None
    validated_at: float
    expires_at: float

    def age(self, now: float) -> float:
        return now - self.validated_at


class CatalogueCache:
    """The caching client's state machine; callers serialize its updates (a lock).

    Reading :attr:`entry` needs no lock: it is replaced, never mutated.
    """

    def __init__(self, policy: CachePolicy) -> None:
        self.policy = policy
        self.entry: CachedCatalogue | None = None
        self.retry_at = -math.inf

    def is_fresh(self, now: float) -> bool:
        return self.entry is not None and now < self.entry.expires_at

    def is_usable(self, now: float) -> bool:
        """Whether the copy may still be served, stale, while the Registry cannot be reached."""
        return self.entry is not None and self.entry.age(now) <= self.policy.max_stale_age

    def without_fetch(self, now: float) -> Catalogue | None:
        """The copy to use now without asking the Registry, if any (fresh, or stale in backoff)."""
        entry = self.entry
        if entry is None:
            return None
        if now < entry.expires_at or (now < self.retry_at and self.is_usable(now)):
            return entry.catalogue
        return None

    def forced_refresh_allowed(self, now: float) -> bool:
        entry = self.entry
        if entry is None:
            return True
        recently = entry.age(now) < self.policy.forced_refresh_interval
        return not recently and now >= self.retry_at

    def request_headers(self) -> dict[str, str]:
        """Conditional-GET headers for the copy we hold."""
        headers: dict[str, str] = {}
        if self.entry is not None:
            if self.entry.etag:
                headers["If-None-Match"] = self.entry.etag
            if self.entry.last_modified:
                headers["If-Modified-Since"] = self.entry.last_modified
        return headers

    def on_catalogue(
        self, catalogue: Catalogue, body: bytes, headers: Mapping[str, str], now: float
    ) -> CachedCatalogue:
        """A 200 with a catalogue that parsed."""
        h = _lower(headers)
        self.entry = CachedCatalogue(
            catalogue=catalogue,
            body=body,
            etag=h.get("etag"),
            last_modified=h.get("last-modified"),
            validated_at=now,
            expires_at=now + freshness_lifetime(headers, self.policy, now),
        )
        self.retry_at = -math.inf
        return self.entry

    def on_not_modified(self, headers: Mapping[str, str], now: float) -> CachedCatalogue:
        """A 304: our copy is current again, with the lifetime the 304 gives."""
        if self.entry is None:
            raise RegistryUnavailableError("the Registry answered 304 to an unconditional request")
        h = _lower(headers)
        self.entry = replace(
            self.entry,
            etag=h.get("etag", self.entry.etag),
            last_modified=h.get("last-modified", self.entry.last_modified),
            validated_at=now,
            expires_at=now + freshness_lifetime(headers, self.policy, now),
        )
        self.retry_at = -math.inf
        return self.entry

    def on_failure(self, error: BaseException, now: float, source: str) -> CachedCatalogue:
        """The Registry could not give a catalogue: serve the stale copy, or raise."""
        self.retry_at = now + self.policy.retry_interval
        entry = self.entry
        if entry is not None and self.is_usable(now):
            log.warning(
                "Registry %s unavailable (%s); using the copy confirmed %.0f s ago",
                source,
                error,
                entry.age(now),
            )
            return entry
        if entry is None:
            detail = "and there is no cached copy"
        else:
            detail = (
                f"and the cached copy is {entry.age(now):.0f} s old, "
                f"more than the {self.policy.max_stale_age:.0f} s allowed"
            )
        raise RegistryUnavailableError(f"Registry {source} unavailable ({error}) {detail}") from (
            error
        )
