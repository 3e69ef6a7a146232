"""Key lookup behind a small protocol, so the Registry catalogue can answer it.

Verification never reads a catalogue directly: it asks a :class:`KeyResolver`.
Implementations answer from memory (lookups happen inside signature checks,
including inside an httpx auth flow that must not do I/O); a catalogue-backed
resolver refreshes its catalogue outside these calls.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

from cryptography.hazmat.primitives.asymmetric import rsa

from .keys import key_id as compute_key_id

__all__ = ["InMemoryKeyResolver", "KeyInfo", "KeyResolver"]


@dataclass(frozen=True, slots=True)
class KeyInfo:
    """A client key and the HEIs a request signed with it may speak for."""

    key_id: str
    public_key: rsa.RSAPublicKey = field(repr=False)
    heis: frozenset[str] = frozenset()


@runtime_checkable
class KeyResolver(Protocol):
    """What signature verification needs to know about keys."""

    def client_key(self, key_id: str) -> KeyInfo | None:
        """The client credential ``key_id``; ``None`` when it is not one."""

    def public_key(self, key_id: str) -> rsa.RSAPublicKey | None:
        """Any published key ``key_id``, whatever its role; ``None`` when unknown."""

    def is_server_key_for(self, key_id: str, endpoint: str) -> bool:
        """Whether ``key_id`` is a server credential of the host serving ``endpoint`` (a URL)."""


class InMemoryKeyResolver:
    """A :class:`KeyResolver` over keys registered in code (tests, the mock partner).

    Server keys are bound to URL prefixes (``https://host/`` or a full endpoint
    URL): a key serves an endpoint when a bound prefix starts it.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._keys: dict[str, rsa.RSAPublicKey] = {}
        self._clients: dict[str, frozenset[str]] = {}
        self._servers: dict[str, tuple[str, ...]] = {}

    def add_client_key(self, public_key: rsa.RSAPublicKey, heis: Iterable[str] = ()) -> str:
        """Publish ``public_key`` as a client credential for ``heis``; returns its keyId."""
        kid = compute_key_id(public_key)
        with self._lock:
            self._keys[kid] = public_key
            self._clients[kid] = self._clients.get(kid, frozenset()) | frozenset(heis)
        return kid

    def add_server_key(self, public_key: rsa.RSAPublicKey, endpoints: Iterable[str]) -> str:
        """Publish ``public_key`` as the server credential for URLs under ``endpoints``."""
        kid = compute_key_id(public_key)
        with self._lock:
            self._keys[kid] = public_key
            self._servers[kid] = self._servers.get(kid, ()) + tuple(endpoints)
        return kid

    def client_key(self, key_id: str) -> KeyInfo | None:
        with self._lock:
            heis = self._clients.get(key_id)
            key = self._keys.get(key_id)
        if heis is None or key is None:
            return None
        return KeyInfo(key_id=key_id, public_key=key, heis=heis)

    def public_key(self, key_id: str) -> rsa.RSAPublicKey | None:
        with self._lock:
            return self._keys.get(key_id)

    def is_server_key_for(self, key_id: str, endpoint: str) -> bool:
        with self._lock:
            prefixes = self._servers.get(key_id, ())
        return any(endpoint.startswith(prefix) for prefix in prefixes)
