"""The parsed catalogue and the questions clients and servers ask it.

A client asks: where is API X for HEI Y (in a major version we speak, with a
security method we can use)? A server asks: is this ``keyId`` a client key,
and for which HEIs may it speak? A client verifying a response asks: may this
key sign responses of the host that served that endpoint? Every such answer
comes from here, for the client and the mock partner alike.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TypeVar

import httpx

from ..errors import NoEndpointError
from ..namespaces import CLIAUTH_HTTPSIG_NS, ApiVersion
from .model import ClientKey, Hei, Host, HostedApi


def _normalize_other_id(type_: str, value: str) -> tuple[str, str]:
    """Other ids compare case- and spacing-insensitively (``PL  WARSZAW01`` is ``PL WARSZAW01``)."""
    canonical_type = "erasmus-charter" if type_ == "euc" else type_
    return canonical_type, " ".join(value.split()).upper()


def endpoint_key(url: str) -> str:
    """``url`` as endpoints are matched: without query and fragment, in httpx's normal form.

    Scheme and host compare case-insensitively, a default port is the same as
    none and percent-encoding is normalised, so a catalogue URL and the URL a
    response came from match whatever way either was written.
    """
    try:
        return str(httpx.URL(url).copy_with(query=None, fragment=None))
    except (httpx.InvalidURL, ValueError, TypeError):
        return url


K = TypeVar("K")
V = TypeVar("V")


@dataclass(frozen=True, slots=True)
class _Index:
    heis: Mapping[str, Hei]
    hosts_by_hei: Mapping[str, tuple[Host, ...]]
    hosts_by_client_key: Mapping[str, tuple[Host, ...]]
    server_keys: frozenset[str]
    hosts_by_url: Mapping[str, tuple[Host, ...]]
    heis_by_other_id: Mapping[tuple[str, str], tuple[Hei, ...]]


def _group(pairs: Iterable[tuple[K, V]]) -> dict[K, tuple[V, ...]]:
    grouped: dict[K, list[V]] = {}
    for key, value in pairs:
        bucket = grouped.setdefault(key, [])
        if value not in bucket:
            bucket.append(value)
    return {k: tuple(v) for k, v in grouped.items()}


def _build_index(hosts: tuple[Host, ...], heis: tuple[Hei, ...]) -> _Index:
    return _Index(
        heis={h.id.lower(): h for h in reversed(heis)},
        hosts_by_hei=_group((hei.lower(), host) for host in hosts for hei in host.hei_ids),
        hosts_by_client_key=_group((key, host) for host in hosts for key in host.client_keys),
        server_keys=frozenset(key for host in hosts for key in host.server_keys),
        hosts_by_url=_group(
            (endpoint_key(url), host)
            for host in hosts
            for entry in host.apis
            for url in entry.urls.values()
        ),
        heis_by_other_id=_group(
            (_normalize_other_id(o.type, o.value), hei) for hei in heis for o in hei.other_ids
        ),
    )


@dataclass(frozen=True, kw_only=True)
class Catalogue:
    """One version of the Registry catalogue, with its lookups.

    ``binaries`` maps ``keyId`` to the DER public key; a binary whose content
    does not hash to its declared fingerprint is left out by the parser and
    named in ``problems``.
    """

    hosts: tuple[Host, ...]
    heis: tuple[Hei, ...] = ()
    binaries: Mapping[str, bytes] = field(default_factory=dict)
    problems: tuple[str, ...] = ()
    _index: _Index = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_index", _build_index(self.hosts, self.heis))

    # ------------------------------------------------------------------ HEIs

    def hei(self, hei_id: str) -> Hei | None:
        """The ``institutions`` entry of a SCHAC id (compared case-insensitively)."""
        return self._index.heis.get(hei_id.lower())

    def heis_by_other_id(self, type_: str, value: str) -> tuple[Hei, ...]:
        """HEIs that publish ``value`` as an id of ``type_`` (e.g. ``erasmus``, ``pic``)."""
        return self._index.heis_by_other_id.get(_normalize_other_id(type_, value), ())

    def hosts_covering(self, hei_id: str) -> tuple[Host, ...]:
        return self._index.hosts_by_hei.get(hei_id.lower(), ())

    # ------------------------------------------------------------------ APIs

    def find_apis(
        self,
        hei_id: str,
        api: str | ApiVersion,
        *,
        major: int | None = None,
        client_auth: str | None = CLIAUTH_HTTPSIG_NS,
        server_auth: str | None = None,
    ) -> tuple[HostedApi, ...]:
        """Every entry of ``api`` usable for ``hei_id``, best first (highest version).

        ``api`` is the entry's element name (``"iias"``) or an :class:`ApiVersion`,
        whose major version then applies unless ``major`` is given. ``client_auth``
        and ``server_auth`` name the namespace of a security method the entry must
        list in its ``http-security`` (``None``: no requirement). The default asks
        for HTTP Signature client authentication, which is what this library speaks.
        """
        return self._search(hei_id, api, major, client_auth, server_auth)[0]

    def find_api(
        self,
        hei_id: str,
        api: str | ApiVersion,
        *,
        major: int | None = None,
        client_auth: str | None = CLIAUTH_HTTPSIG_NS,
        server_auth: str | None = None,
    ) -> HostedApi:
        """The best entry of :meth:`find_apis`, or :class:`NoEndpointError` saying why none fits."""
        found, reason = self._search(hei_id, api, major, client_auth, server_auth)
        if not found:
            name = api.name if isinstance(api, ApiVersion) else api
            raise NoEndpointError(reason, hei_id=hei_id, api=name)
        return found[0]

    def _search(
        self,
        hei_id: str,
        api: str | ApiVersion,
        major: int | None,
        client_auth: str | None,
        server_auth: str | None,
    ) -> tuple[tuple[HostedApi, ...], str]:
        name = api.name if isinstance(api, ApiVersion) else api
        if major is None and isinstance(api, ApiVersion):
            major = api.major
        hosts = self.hosts_covering(hei_id)
        if not hosts:
            return (), f"no host in the catalogue covers HEI {hei_id!r}"
        candidates = [HostedApi(host=h, entry=e) for h in hosts for e in h.apis if e.name == name]
        if not candidates:
            return (), f"no host covering {hei_id!r} implements the {name!r} API"
        if major is not None:
            versions = sorted({c.entry.version for c in candidates})
            candidates = [c for c in candidates if c.entry.major == major]
            if not candidates:
                return (), (
                    f"{hei_id!r} has {name!r} only in version(s) {', '.join(versions)}, "
                    f"none with major version {major}"
                )
        usable = [
            c
            for c in candidates
            if (client_auth is None or c.entry.accepts_client_auth(client_auth))
            and (server_auth is None or c.entry.offers_server_auth(server_auth))
        ]
        if not usable:
            wanted = " and ".join(
                f"{role} authentication {ns}"
                for role, ns in (("client", client_auth), ("server", server_auth))
                if ns is not None
            )
            return (), f"no {name!r} entry for {hei_id!r} supports {wanted}"
        usable.sort(key=lambda c: c.entry.version_key, reverse=True)
        return tuple(usable), ""

    def hosts_publishing(self, url: str) -> tuple[Host, ...]:
        """Every host that lists ``url`` as an endpoint of one of its APIs.

        Matched on :func:`endpoint_key`: the query is ignored (a response is
        verified against the URL it came from, whose query is the request's).
        """
        return self._index.hosts_by_url.get(endpoint_key(url), ())

    def entries_at(self, url: str) -> tuple[HostedApi, ...]:
        """Every (host, entry) publishing ``url`` as an endpoint (matched as in
        :meth:`hosts_publishing`)."""
        key = endpoint_key(url)
        return tuple(
            HostedApi(host=h, entry=e)
            for h in self.hosts_publishing(url)
            for e in h.apis
            if any(endpoint_key(u) == key for u in e.urls.values())
        )

    # ------------------------------------------------------------------ keys

    def public_key(self, key_id: str) -> bytes | None:
        """The DER public key published under ``key_id`` (an exact, lower-case match)."""
        return self.binaries.get(key_id)

    def client_key(self, key_id: str) -> ClientKey | None:
        """The client key ``key_id`` and the HEIs it speaks for; ``None`` when not a client key.

        A key that is only a server credential is not a client key.
        """
        hosts = self._index.hosts_by_client_key.get(key_id)
        der = self.binaries.get(key_id)
        if not hosts or der is None:
            return None
        heis = frozenset(hei for host in hosts for hei in host.hei_ids)
        return ClientKey(key_id=key_id, der=der, hei_ids=heis, hosts=hosts)

    def heis_covered_by(self, key_id: str) -> frozenset[str]:
        """The HEIs a request signed with client key ``key_id`` may speak for."""
        key = self.client_key(key_id)
        return key.hei_ids if key is not None else frozenset()

    def is_server_key(self, key_id: str) -> bool:
        """Whether any host lists ``key_id`` as a server credential."""
        return key_id in self._index.server_keys

    def is_server_key_for(self, key_id: str, endpoint: str) -> bool:
        """Whether ``key_id`` may sign responses from ``endpoint`` (a URL; query ignored).

        The one answer to this question, for the client verifying a partner's
        response and for the mock: the key must be a server credential of the
        host publishing the endpoint (:meth:`hosts_publishing`), and its material
        published. When several hosts publish the same URL the key must belong
        to every one of them: the catalogue forbids lending one host's keys to
        another that claims the same URL, and the URL does not say which host
        answered.
        """
        if key_id not in self.binaries:
            return False
        hosts = self.hosts_publishing(endpoint)
        return bool(hosts) and all(key_id in host.server_keys for host in hosts)
