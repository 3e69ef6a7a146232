"""The state of one running mock node: its configuration, admitted clients and published documents.

A :class:`MockNode` lives on ``app.state.node``. Tests and the CLI admit
clients with :meth:`MockNode.register_client`; there is deliberately no HTTP
route for it, since admitting a key is the Registry's job, not the partner's.
Other nodes are introduced with :meth:`MockNode.add_peer`: their manifests
join the node's catalogue, so that the node finds them and verifies their
requests.

Business time (when an LA or IIA changed, ``modified_since``, when a change
notification is due or expires) is read from the node's one
:class:`~ewp_client.clock.Clock`; HTTP Signature checks stay on real time.
The change notifications the node owes its partners wait in
:attr:`MockNode.outbox` (:mod:`ewp_mock.delivery`).
"""

from __future__ import annotations

import dataclasses
import hashlib
import threading
from collections import deque
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Final

import httpx
from cryptography.hazmat.primitives.asymmetric import rsa

from ewp_client.clock import Clock, SystemClock
from ewp_client.cnr import (
    CnrKind,
    Outbox,
    OutboxEntry,
    OutboxPolicy,
    OutboxStore,
    OutgoingNotification,
)
from ewp_client.codec import encode
from ewp_client.errors import ConfigError
from ewp_client.models import Institution, Manifest, OrganizationalUnit, StringWithOptionalLang
from ewp_client.models.manifest_entries import ManifestEntry
from ewp_client.ola import ReceivedLa, SendingLa
from ewp_client.registry import Catalogue, render_catalogue
from ewp_client.registry.resolver import CatalogueKeyResolver
from ewp_client.security import (
    InMemoryNonceStore,
    KeyInfo,
    RequestVerifier,
    ResponseSigner,
    VerificationPolicy,
    VerifyResult,
    key_id,
    load_public_key,
)
from ewp_client.server import Caller, InMemoryLaRepository
from ewp_client.server.factsheet import InMemoryFactsheets
from ewp_client.server.repository import (
    InMemoryApprovalRepository,
    InMemoryDirectory,
    InMemoryIiaRepository,
    StoredIia,
)

from .config import MockConfig
from .data import Dataset, bare_factsheet
from .delivery import NodeOutbox, Outgoing, ReceivedNotification, trust_context
from .directory import build_node_catalogue, manifest_for

__all__ = ["RECEIVED_KEPT", "MockNode", "PublishedCatalogue"]

#: How many received change notifications a node keeps for :attr:`MockNode.received`.
RECEIVED_KEPT: Final = 10_000


@dataclass(frozen=True, slots=True)
class PublishedCatalogue:
    """A catalogue, its XML bytes and their entity tag, always replaced together."""

    catalogue: Catalogue
    xml: bytes
    etag: str


class MockNode:
    """Admitted clients, the catalogue and manifests built from them, and the security parts.

    ``entries`` are, per served HEI, the manifest entries of the partner APIs
    the app serves (the Discovery entry is added). Request verification
    resolves keys from the node's own catalogue, so the mock trusts exactly
    what it publishes. ``iias`` holds the agreements each HEI serves,
    ``approvals`` the approvals each gave to its partners' copies,
    ``directory`` the HEIs' institution records and units (a bare record per
    HEI until a data set is loaded), ``las`` the LAs each sends,
    ``incoming_las`` those each receives (LA CNR ``stats``), ``factsheets``
    each HEI's factsheet (a bare one until a data set gives its own);
    ``stats_portal_keys`` the keyIds admitted in the Stats Portal's role.

    ``clock`` is the node's business clock (the system time by default);
    ``outbox`` (a :class:`~ewp_mock.delivery.NodeOutbox`) holds the change
    notifications it owes, kept in ``outbox_store`` (in memory by default:
    any :class:`~ewp_client.cnr.OutboxStore`); ``received`` lists the change
    notifications it was sent.
    """

    def __init__(
        self,
        config: MockConfig,
        entries: Mapping[str, Sequence[ManifestEntry]],
        *,
        clock: Clock | None = None,
        outbox_store: OutboxStore | None = None,
    ) -> None:
        self.config = config
        self.clock: Clock = clock if clock is not None else SystemClock()
        self.nonces = InMemoryNonceStore() if config.replay_protection else None
        self.policy = VerificationPolicy(clock_skew=config.clock_skew, replay_store=self.nonces)
        self.response_signer = ResponseSigner(config.server_key)
        self._lock = threading.Lock()
        self._clients: dict[str, KeyInfo] = {}
        self._manifests = {h: manifest_for(config, h, entries.get(h, ())) for h in config.hei_ids}
        self._peers: dict[str, Manifest] = {}
        self.iias = InMemoryIiaRepository(clock=self.clock)
        self.approvals = InMemoryApprovalRepository()
        self.directory = InMemoryDirectory(
            (Institution(hei_id=h, names=(StringWithOptionalLang(value=h, lang="en"),)), ())
            for h in config.hei_ids
        )
        self.las = InMemoryLaRepository({h: () for h in config.hei_ids}, clock=self.clock)
        self.factsheets = InMemoryFactsheets(bare_factsheet(h) for h in config.hei_ids)
        self.incoming_las: dict[str, tuple[ReceivedLa, ...]] = {}
        self.stats_portal_keys: set[str] = set()
        self.outbox = NodeOutbox(
            Outbox(outbox_store, policy=OutboxPolicy(expire_after=config.cnr_expiry)),
            self.clock,
            Outgoing(
                catalogue_url=config.catalogue_url,
                key=config.client_key,
                hei_ids=config.hei_ids,
                verify=trust_context(config.trusted_cas),
            ),
        )
        self._received: deque[ReceivedNotification] = deque(maxlen=RECEIVED_KEPT)
        self._manifest_xml = {h: encode(m) for h, m in self._manifests.items()}
        self._publish()

    # ------------------------------------------------------------ clients

    def register_client(
        self, public_key: rsa.RSAPublicKey | bytes, heis: Iterable[str] = ()
    ) -> str:
        """Admit a client key for ``heis`` and publish it in the catalogue; returns its keyId.

        ``public_key`` is a key object or its bytes (PEM, DER, base64 DER, a
        certificate). Registering a key again adds HEIs to it. Raises
        :class:`ConfigError` for a key shorter than ``config.min_client_key_bits``,
        :class:`~ewp_client.errors.KeyFormatError` (a ``ConfigError``) for bytes
        that hold no RSA key, whatever their algorithm.
        """
        key = (
            public_key if isinstance(public_key, rsa.RSAPublicKey) else load_public_key(public_key)
        )
        if key.key_size < self.config.min_client_key_bits:
            raise ConfigError(
                f"client key has {key.key_size} bits; the mock admits keys of at least "
                f"{self.config.min_client_key_bits} bits"
            )
        served = frozenset(h.strip() for h in heis)
        if any(not h for h in served):
            raise ConfigError("a HEI id must not be empty")
        kid = key_id(key)
        with self._lock:
            known = self._clients.get(kid)
            merged = served | (known.heis if known is not None else frozenset())
            self._clients[kid] = KeyInfo(key_id=kid, public_key=key, heis=merged)
            self._publish()
        return kid

    def admit_stats_portal(self, public_key: rsa.RSAPublicKey | bytes) -> str:
        """Admit a client key in the EWP Stats Portal's role; returns its keyId.

        The key is published in the catalogue covering no HEI (as
        :meth:`register_client` with no ``heis`` does, keeping any HEIs it
        already covers), and the ``stats`` endpoints answer it as they answer
        the Stats Portal. Raises what :meth:`register_client` raises.
        """
        kid = self.register_client(public_key)
        with self._lock:
            self.stats_portal_keys.add(kid)
        return kid

    def load_dataset(self, dataset: Dataset) -> None:
        """Put ``dataset``'s institutions, units, factsheets, IIAs, approvals and LAs in.

        HEIs of the data set this node does not serve are left out; a served
        HEI whose data has no factsheet keeps the bare one. An IIA's
        approvals come from its lifecycle record: approved locally when the
        HEI approved the partner's copy since its own last changed, by the
        partner when the partner's approval quotes the hash served now. Every
        IIA and LA loaded is changed now (the node's clock): ``index`` lists
        it for a ``modified_since`` before the load, not after.
        """
        records: dict[str, tuple[Institution, Sequence[OrganizationalUnit]]] = {}
        las: dict[str, tuple[SendingLa, ...]] = {h: () for h in self.config.hei_ids}
        factsheets = {h: self.factsheets.factsheet(h) for h in self.config.hei_ids}
        now = self.clock.now()
        for hei_id in self.config.hei_ids:
            known = self.directory.institution(hei_id)
            if known is not None:
                records[hei_id] = (known, ())
        for hei_id in self.config.hei_ids:
            hei = dataset.hei(hei_id)
            if hei is None:
                continue
            records[hei_id] = (hei.institution, hei.ounits)
            las[hei_id] = dataset.outgoing_las(hei_id)
            if hei.factsheet is not None:
                factsheets[hei_id] = hei.factsheet
            self.incoming_las[hei_id] = dataset.incoming_las(hei_id)
            for served in dataset.served_iias(hei_id):
                self.iias.put(
                    StoredIia(
                        served.iia,
                        modified=now,
                        approved_locally=served.partner_hash is not None,
                        approved_by_partner=served.partner_approved_hash == served.iia_hash,
                    )
                )
            for record in hei.approvals:
                self.approvals.put(hei_id, record)
        self.directory = InMemoryDirectory(records.values())
        self.las = InMemoryLaRepository(las, clock=self.clock)
        self.factsheets = InMemoryFactsheets(f for f in factsheets.values() if f is not None)

    # ------------------------------------------------------------ peers

    def add_peer(self, peer: MockNode | Iterable[Manifest]) -> None:
        """Introduce another node: its manifests (HEIs, APIs, keys) join this node's catalogue.

        The node then finds the peer's APIs (its outbox notifies it), trusts
        its server key for the answers and verifies the requests it signs
        with its client key, as if the Registry listed both. A peer serving a
        HEI this node serves is a :class:`ConfigError`; introducing a peer
        again replaces what was known of its HEIs.
        """
        manifests = peer.manifests if isinstance(peer, MockNode) else tuple(peer)
        added: dict[str, Manifest] = {}
        for manifest in manifests:
            covered = manifest.host.institutions_covered if manifest.host else None
            hei = covered.hei if covered is not None else None
            if hei is None:
                raise ConfigError("a peer's manifest must cover a HEI")
            if hei.id.lower() in {h.lower() for h in self.config.hei_ids}:
                raise ConfigError(f"HEI {hei.id!r} is served by this node; a peer cannot serve it")
            added[hei.id.lower()] = manifest
        with self._lock:
            self._peers.update(added)
            self._publish()

    @property
    def manifests(self) -> tuple[Manifest, ...]:
        """The Discovery manifests of the HEIs this node serves (what a peer is told)."""
        return tuple(self._manifests.values())

    @property
    def peer_heis(self) -> tuple[str, ...]:
        """The HEIs of the peers introduced (lower case), in the order introduced."""
        with self._lock:
            return tuple(self._peers)

    def use_transport(self, transport: httpx.AsyncBaseTransport | None) -> None:
        """Send the outbox's requests (and catalogue reads) through ``transport``.

        For nodes in one process (:mod:`ewp_mock.network`); takes effect for a
        delivery task started afterwards.
        """
        self.outbox.outgoing = dataclasses.replace(self.outbox.outgoing, transport=transport)

    # ------------------------------------------------------------ notifications

    def notify(self, notification: OutgoingNotification) -> list[OutboxEntry]:
        """Queue a change notification for delivery (now, on the node's clock)."""
        return self.outbox.enqueue(notification)

    def wake(self) -> None:
        """Make the delivery task look at the outbox now: call it after moving the clock."""
        self.outbox.wake()

    def record_received(
        self,
        kind: CnrKind,
        *,
        hei_id: str,
        verified: VerifyResult,
        object_ids: Sequence[str],
        sending_hei_id: str | None = None,
    ) -> ReceivedNotification:
        """Note a change notification addressed to ``hei_id`` (answered 200 at once)."""
        record = ReceivedNotification(
            kind=kind,
            hei_id=hei_id,
            caller_heis=frozenset(verified.heis),
            object_ids=tuple(object_ids),
            at=self.clock.now(),
            sending_hei_id=sending_hei_id,
            key_id=verified.key_id,
        )
        with self._lock:
            self._received.append(record)
        return record

    @property
    def received(self) -> tuple[ReceivedNotification, ...]:
        """The change notifications received, oldest first (the latest :data:`RECEIVED_KEPT`)."""
        with self._lock:
            return tuple(self._received)

    def caller(self, verified: VerifyResult) -> Caller:
        """The :class:`~ewp_client.server.Caller` a verified request proves."""
        return Caller.from_verified(verified, stats_portal_keys=self.stats_portal_keys)

    @property
    def clients(self) -> tuple[KeyInfo, ...]:
        with self._lock:
            return tuple(self._clients.values())

    # ------------------------------------------------------------ documents

    @property
    def published(self) -> PublishedCatalogue:
        """The catalogue as served now (replaced as a whole when a client is admitted)."""
        return self._published

    @property
    def catalogue(self) -> Catalogue:
        return self._published.catalogue

    def manifest(self, hei_id: str) -> Manifest | None:
        return self._manifests.get(hei_id)

    def manifest_xml(self, hei_id: str) -> bytes | None:
        return self._manifest_xml.get(hei_id)

    # ------------------------------------------------------------ security

    def request_verifier(self) -> RequestVerifier:
        """A verifier over the catalogue as published now."""
        return RequestVerifier(CatalogueKeyResolver(self._published.catalogue), self.policy)

    def _publish(self) -> None:
        """Rebuild the catalogue; callers hold the lock (or are the constructor)."""
        catalogue = build_node_catalogue(
            self.config, (*self._manifests.values(), *self._peers.values()), self._clients.values()
        )
        xml = render_catalogue(catalogue)
        etag = f'"{hashlib.sha256(xml).hexdigest()[:32]}"'
        self._published = PublishedCatalogue(catalogue=catalogue, xml=xml, etag=etag)
