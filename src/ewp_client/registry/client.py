"""The caching Registry client, sync and async: the I/O edge around :mod:`.cache`.

Both clients keep one catalogue copy and refresh it when it expires, with a
conditional GET. Concurrent callers are safe: one refresh at a time, and while
it runs the others keep using the (expired but still usable) copy instead of
queueing behind a slow Registry; only callers that have no usable copy wait.

Key lookups (:meth:`RegistryClient.client_key` and friends) refresh once before
answering "unknown", because a partner's new key is often used before our copy
shows it; :attr:`CachePolicy.forced_refresh_interval` bounds how often that happens.
Whether a key may sign a partner's responses is the catalogue's one answer,
:meth:`Catalogue.is_server_key_for`, asked by signature verification.

The source may be an ``https://`` URL, a ``file://`` URL or a path; a file is
re-read when its modification time or size changes.
"""

from __future__ import annotations

import asyncio
import threading
import time
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import unquote, urlsplit

import httpx

from ..errors import (
    ConfigError,
    DeadlineExceededError,
    RegistryUnavailableError,
    ResponseTooLargeError,
    XmlError,
)
from ..namespaces import CLIAUTH_HTTPSIG_NS, ApiVersion
from ..security.body import DEFAULT_DEADLINE, DEFAULT_MAX_RESPONSE_SIZE, BodyReader, ReadBudget
from .cache import PRODUCTION_CATALOGUE_URL, CachedCatalogue, CachePolicy, CatalogueCache
from .catalogue import Catalogue
from .disk import DiskCache
from .model import ClientKey, HostedApi
from .parse import parse_catalogue

if TYPE_CHECKING:
    from ..config import ClientConfig

Clock = Callable[[], float]

_Found = TypeVar("_Found")

_FETCH_ERRORS = (
    httpx.HTTPError,
    OSError,
    XmlError,
    RegistryUnavailableError,
    ResponseTooLargeError,
    DeadlineExceededError,
)


def resolve_source(source: str | Path) -> str:
    """``https://``/``http://``/``file://`` URLs as given; a path becomes a ``file://`` URL."""
    if isinstance(source, Path):
        return source.expanduser().resolve().as_uri()
    try:
        scheme = urlsplit(source).scheme.lower()
    except ValueError as exc:
        raise ConfigError(f"not a Registry address: {source!r} ({exc})") from exc
    if scheme in ("http", "https", "file"):
        return source
    if scheme and len(scheme) > 1:
        raise ConfigError(
            f"unsupported Registry address {source!r} (use https://, file:// or a path)"
        )
    return Path(source).expanduser().resolve().as_uri()


_HttpT = TypeVar("_HttpT", httpx.Client, httpx.AsyncClient)


def _renamed(http: _HttpT | None, http_client: _HttpT | None) -> _HttpT | None:
    """``http``, or the deprecated ``http_client`` given instead (with a warning)."""
    if http_client is None:
        return http
    warnings.warn(
        "the Registry clients' http_client=... is deprecated: use http=..., as for EwpClient",
        DeprecationWarning,
        stacklevel=3,
    )
    if http is not None:
        raise ConfigError("give http or http_client (its deprecated name), not both")
    return http_client


def _file_path(url: str) -> Path | None:
    parts = urlsplit(url)
    return Path(unquote(parts.path)) if parts.scheme.lower() == "file" else None


@dataclass(frozen=True, slots=True)
class _Fetched:
    status: int
    headers: Mapping[str, str]
    body: bytes


class _RegistryClientBase:
    """What the sync and async clients share: state, source handling, the answers."""

    def __init__(
        self,
        url: str | Path,
        *,
        policy: CachePolicy,
        cache_dir: Path | None,
        clock: Clock,
        max_size: int,
        deadline: float | None,
    ) -> None:
        if max_size < 1:
            raise ConfigError(f"max_size {max_size} must be a positive number of bytes")
        if deadline is not None and deadline <= 0:
            raise ConfigError(f"deadline {deadline} must be a positive number of seconds")
        self.url = resolve_source(url)
        self.max_size = max_size
        self.deadline = deadline
        self._file = _file_path(self.url)
        self._state = CatalogueCache(policy)
        self._disk = DiskCache(cache_dir, self.url) if cache_dir is not None else None
        self._disk_checked = self._disk is None
        self._clock = clock

    @property
    def policy(self) -> CachePolicy:
        return self._state.policy

    @property
    def cached(self) -> CachedCatalogue | None:
        """The copy held now, without any I/O (``None`` before the first load)."""
        return self._state.entry

    def _budget(self) -> ReadBudget:
        """What one download may take: the catalogue is bounded like any partner's answer."""
        return ReadBudget.start(max_size=self.max_size, deadline=self.deadline, url=self.url)

    def _read_file(self, path: Path) -> _Fetched:
        stat = path.stat()
        if stat.st_size > self.max_size:
            raise self._budget().too_large(stat.st_size)
        etag = f'"{stat.st_mtime_ns:x}-{stat.st_size:x}"'
        headers = {"ETag": etag, "Cache-Control": f"max-age={int(self.policy.min_ttl)}"}
        if self._state.request_headers().get("If-None-Match") == etag:
            return _Fetched(304, headers, b"")
        return _Fetched(200, headers, path.read_bytes())

    def _disk_to_load(self) -> DiskCache | None:
        """The disk cache to read: the first time only, and only while no copy is held."""
        if self._disk_checked or self._disk is None:
            return None
        self._disk_checked = True
        return self._disk if self._state.entry is None else None

    def _ready(self, *, force: bool) -> Catalogue | None:
        """The copy to answer with, no fetch needed (never when ``force``)."""
        return None if force else self._state.without_fetch(self._clock())

    def _kept_for_unknown(self) -> Catalogue | None:
        """The copy to keep when a refresh for an unknown key is not allowed now."""
        entry = self._state.entry
        if entry is not None and not self._state.forced_refresh_allowed(self._clock()):
            return entry.catalogue
        return None

    def _failed(self, exc: Exception) -> Catalogue:
        """The copy to go on with after a failed fetch (or :class:`RegistryUnavailableError`)."""
        return self._state.on_failure(exc, self._clock(), self.url).catalogue

    def _not_modified(self, fetched: _Fetched, now: float) -> CachedCatalogue | None:
        """Handle a 304 (returns the revalidated copy) or refuse a non-200 status."""
        if fetched.status == 304:
            return self._state.on_not_modified(fetched.headers, now)
        if fetched.status != 200:
            raise RegistryUnavailableError(f"the Registry answered HTTP {fetched.status}")
        return None


class RegistryClient(_RegistryClientBase):
    """Thread-safe caching client of the Registry catalogue.

    ``http`` lets the caller share an :class:`httpx.Client` (it is then not
    closed by :meth:`close`; ``http_client`` is its deprecated older name);
    otherwise one is made from ``timeout``, ``verify`` and ``proxy``. ``clock``
    returns wall-clock seconds (tests inject one). A download is bounded like
    a partner's answer: ``max_size`` bytes as received and after decoding,
    ``deadline`` seconds in all (``None``: no deadline); past either it fails
    as the Registry being unavailable, and the copy held is kept.
    """

    def __init__(
        self,
        url: str | Path = PRODUCTION_CATALOGUE_URL,
        *,
        http: httpx.Client | None = None,
        timeout: float | httpx.Timeout = 30.0,
        verify: Any = True,
        proxy: str | None = None,
        policy: CachePolicy | None = None,
        cache_dir: Path | None = None,
        clock: Clock = time.time,
        http_client: httpx.Client | None = None,
        max_size: int = DEFAULT_MAX_RESPONSE_SIZE,
        deadline: float | None = DEFAULT_DEADLINE,
    ) -> None:
        super().__init__(
            url,
            policy=policy or CachePolicy(),
            cache_dir=cache_dir,
            clock=clock,
            max_size=max_size,
            deadline=deadline,
        )
        http = _renamed(http, http_client)
        self._owns_http = http is None
        self._http = http or httpx.Client(
            timeout=timeout, verify=verify, proxy=proxy, follow_redirects=True
        )
        self._lock = threading.Lock()

    @classmethod
    def from_config(cls, config: ClientConfig, *, clock: Clock = time.time) -> RegistryClient:
        return cls(
            config.registry.url,
            http=httpx.Client(**config.http_client_options(), follow_redirects=True),
            policy=config.registry.policy,
            cache_dir=config.registry.cache_dir,
            clock=clock,
            max_size=config.max_response_size,
            deadline=config.deadline,
        )

    def close(self) -> None:
        if self._owns_http:
            self._http.close()

    def __enter__(self) -> RegistryClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # ------------------------------------------------------------ the copy

    def catalogue(self) -> Catalogue:
        """The current catalogue, refreshed when expired.

        Raises :class:`RegistryUnavailableError` when there is no usable copy.
        """
        now = self._clock()
        ready = self._state.without_fetch(now)
        if ready is not None:
            return ready
        entry = self._state.entry
        if entry is not None and self._state.is_usable(now):
            if not self._lock.acquire(blocking=False):
                return entry.catalogue
        else:
            self._lock.acquire()
        try:
            return self._refresh_locked(force=False)
        finally:
            self._lock.release()

    def refresh(self) -> Catalogue:
        """Ask the Registry now, whatever the copy's age (conditional GET, stale fallback)."""
        with self._lock:
            return self._refresh_locked(force=True)

    def refresh_for_unknown(self) -> Catalogue:
        """Refresh because a key was not found, at most once per forced-refresh interval.

        Skipped (the current copy is returned) when the Registry confirmed the copy
        less than :attr:`CachePolicy.forced_refresh_interval` ago or is in failure backoff.
        """
        with self._lock:
            self._load_disk_once()
            kept = self._kept_for_unknown()
            return kept if kept is not None else self._refresh_locked(force=True)

    def _load_disk_once(self) -> None:
        disk = self._disk_to_load()
        if disk is not None:
            self._state.entry = disk.load()

    def _refresh_locked(self, *, force: bool) -> Catalogue:
        self._load_disk_once()
        ready = self._ready(force=force)
        if ready is not None:
            return ready
        try:
            fetched = self._fetch()
            now = self._clock()
            entry = self._not_modified(fetched, now)
            if entry is None:
                catalogue = parse_catalogue(fetched.body)
                entry = self._state.on_catalogue(catalogue, fetched.body, fetched.headers, now)
        except _FETCH_ERRORS as exc:
            return self._failed(exc)
        if self._disk is not None:
            self._disk.save(entry, body_changed=fetched.status == 200)
        return entry.catalogue

    def _fetch(self) -> _Fetched:
        if self._file is not None:
            return self._read_file(self._file)
        with self._http.stream("GET", self.url, headers=self._state.request_headers()) as response:
            BodyReader(response, self._budget()).read()
        return _Fetched(response.status_code, response.headers, response.content)

    # ------------------------------------------------------------ answers

    def find_api(
        self,
        hei_id: str,
        api: str | ApiVersion,
        *,
        major: int | None = None,
        client_auth: str | None = CLIAUTH_HTTPSIG_NS,
        server_auth: str | None = None,
    ) -> HostedApi:
        """See :meth:`Catalogue.find_api`."""
        return self.catalogue().find_api(
            hei_id, api, major=major, client_auth=client_auth, server_auth=server_auth
        )

    def find_apis(
        self,
        hei_id: str,
        api: str | ApiVersion,
        *,
        major: int | None = None,
        client_auth: str | None = CLIAUTH_HTTPSIG_NS,
        server_auth: str | None = None,
    ) -> tuple[HostedApi, ...]:
        """See :meth:`Catalogue.find_apis`."""
        return self.catalogue().find_apis(
            hei_id, api, major=major, client_auth=client_auth, server_auth=server_auth
        )

    def _ask_twice(self, ask: Callable[[Catalogue], _Found | None]) -> _Found | None:
        """``ask`` the catalogue, and once more after :meth:`refresh_for_unknown` if ``None``."""
        found = ask(self.catalogue())
        return found if found is not None else ask(self.refresh_for_unknown())

    def client_key(self, key_id: str) -> ClientKey | None:
        """The client key ``key_id``, refreshing the catalogue once before saying ``None``."""
        return self._ask_twice(lambda catalogue: catalogue.client_key(key_id))

    def heis_covered_by(self, key_id: str) -> frozenset[str]:
        key = self.client_key(key_id)
        return key.hei_ids if key is not None else frozenset()

    def public_key(self, key_id: str) -> bytes | None:
        """The DER public key ``key_id``, refreshing once before saying ``None``."""
        return self._ask_twice(lambda catalogue: catalogue.public_key(key_id))

    def is_server_key(self, key_id: str) -> bool:
        return self._ask_twice(lambda catalogue: catalogue.is_server_key(key_id) or None) is True


class AsyncRegistryClient(_RegistryClientBase):
    """Task-safe caching client for asyncio; the same behaviour as :class:`RegistryClient`.

    Use one instance per event loop. Parsing a large catalogue and disk I/O run
    in worker threads so that the loop is not blocked.
    """

    def __init__(
        self,
        url: str | Path = PRODUCTION_CATALOGUE_URL,
        *,
        http: httpx.AsyncClient | None = None,
        timeout: float | httpx.Timeout = 30.0,
        verify: Any = True,
        proxy: str | None = None,
        policy: CachePolicy | None = None,
        cache_dir: Path | None = None,
        clock: Clock = time.time,
        http_client: httpx.AsyncClient | None = None,
        max_size: int = DEFAULT_MAX_RESPONSE_SIZE,
        deadline: float | None = DEFAULT_DEADLINE,
    ) -> None:
        super().__init__(
            url,
            policy=policy or CachePolicy(),
            cache_dir=cache_dir,
            clock=clock,
            max_size=max_size,
            deadline=deadline,
        )
        http = _renamed(http, http_client)
        self._owns_http = http is None
        self._http = http or httpx.AsyncClient(
            timeout=timeout, verify=verify, proxy=proxy, follow_redirects=True
        )
        self._lock = asyncio.Lock()

    @classmethod
    def from_config(cls, config: ClientConfig, *, clock: Clock = time.time) -> AsyncRegistryClient:
        return cls(
            config.registry.url,
            http=httpx.AsyncClient(**config.async_http_client_options(), follow_redirects=True),
            policy=config.registry.policy,
            cache_dir=config.registry.cache_dir,
            clock=clock,
            max_size=config.max_response_size,
            deadline=config.deadline,
        )

    async def aclose(self) -> None:
        if self._owns_http:
            await self._http.aclose()

    async def __aenter__(self) -> AsyncRegistryClient:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    # ------------------------------------------------------------ the copy

    async def catalogue(self) -> Catalogue:
        """The current catalogue, refreshed when expired.

        Raises :class:`RegistryUnavailableError` when there is no usable copy.
        """
        now = self._clock()
        ready = self._state.without_fetch(now)
        if ready is not None:
            return ready
        entry = self._state.entry
        if entry is not None and self._state.is_usable(now) and self._lock.locked():
            return entry.catalogue
        async with self._lock:
            return await self._refresh_locked(force=False)

    async def refresh(self) -> Catalogue:
        """Ask the Registry now, whatever the copy's age (conditional GET, stale fallback)."""
        async with self._lock:
            return await self._refresh_locked(force=True)

    async def refresh_for_unknown(self) -> Catalogue:
        """See :meth:`RegistryClient.refresh_for_unknown`."""
        async with self._lock:
            await self._load_disk_once()
            kept = self._kept_for_unknown()
            return kept if kept is not None else await self._refresh_locked(force=True)

    async def _load_disk_once(self) -> None:
        disk = self._disk_to_load()
        if disk is not None:
            self._state.entry = await asyncio.to_thread(disk.load)

    async def _refresh_locked(self, *, force: bool) -> Catalogue:
        await self._load_disk_once()
        ready = self._ready(force=force)
        if ready is not None:
            return ready
        try:
            fetched = await self._fetch()
            now = self._clock()
            entry = self._not_modified(fetched, now)
            if entry is None:
                catalogue = await asyncio.to_thread(parse_catalogue, fetched.body)
                entry = self._state.on_catalogue(catalogue, fetched.body, fetched.headers, now)
        except _FETCH_ERRORS as exc:
            return self._failed(exc)
        if self._disk is not None:
            await asyncio.to_thread(self._disk.save, entry, body_changed=fetched.status == 200)
        return entry.catalogue

    async def _fetch(self) -> _Fetched:
        if self._file is not None:
            return await asyncio.to_thread(self._read_file, self._file)
        request_headers = self._state.request_headers()
        async with self._http.stream("GET", self.url, headers=request_headers) as response:
            await BodyReader(response, self._budget()).aread()
        return _Fetched(response.status_code, response.headers, response.content)

    # ------------------------------------------------------------ answers

    async def find_api(
        self,
        hei_id: str,
        api: str | ApiVersion,
        *,
        major: int | None = None,
        client_auth: str | None = CLIAUTH_HTTPSIG_NS,
        server_auth: str | None = None,
    ) -> HostedApi:
        """See :meth:`Catalogue.find_api`."""
        return (await self.catalogue()).find_api(
            hei_id, api, major=major, client_auth=client_auth, server_auth=server_auth
        )

    async def find_apis(
        self,
        hei_id: str,
        api: str | ApiVersion,
        *,
        major: int | None = None,
        client_auth: str | None = CLIAUTH_HTTPSIG_NS,
        server_auth: str | None = None,
    ) -> tuple[HostedApi, ...]:
        """See :meth:`Catalogue.find_apis`."""
        return (await self.catalogue()).find_apis(
            hei_id, api, major=major, client_auth=client_auth, server_auth=server_auth
        )

    async def _ask_twice(self, ask: Callable[[Catalogue], _Found | None]) -> _Found | None:
        """See :meth:`RegistryClient._ask_twice`."""
        found = ask(await self.catalogue())
        return found if found is not None else ask(await self.refresh_for_unknown())

    async def client_key(self, key_id: str) -> ClientKey | None:
        """The client key ``key_id``, refreshing the catalogue once before saying ``None``."""
        return await self._ask_twice(lambda catalogue: catalogue.client_key(key_id))

    async def heis_covered_by(self, key_id: str) -> frozenset[str]:
        key = await self.client_key(key_id)
        return key.hei_ids if key is not None else frozenset()

    async def public_key(self, key_id: str) -> bytes | None:
        """The DER public key ``key_id``, refreshing once before saying ``None``."""
        return await self._ask_twice(lambda catalogue: catalogue.public_key(key_id))

    async def is_server_key(self, key_id: str) -> bool:
        found = await self._ask_twice(lambda catalogue: catalogue.is_server_key(key_id) or None)
        return found is True
