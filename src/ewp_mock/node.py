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

Given a :class:`~ewp_mock.store.SqliteState` (``--db FILE``), the node keeps
everything in it instead of in memory: its repositories are the state's, the
admitted keys are read back at start, the outbox is the database's, and
:meth:`MockNode.transaction` writes a change and the notifications it calls
for together.
"""

from __future__ import annotations

import dataclasses
import hashlib
import threading
from collections import deque
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
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
from ewp_client.models import (
    Factsheet,
    Institution,
    Manifest,
    OrganizationalUnit,
    StringWithOptionalLang,
)
from ewp_client.models.manifest_entries import ManifestEntry
from ewp_client.ola import ReceivedLa, SendingLa, VersionStatus
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

from .actions import NodeActions
from .config import MockConfig
from .data import Dataset, bare_factsheet
from .delivery import NodeOutbox, Outgoing, ReceivedNotification, trust_context
from .directory import build_node_catalogue, manifest_for
from .exchange_log import ExchangeRing
from .store import (
    SqliteApprovals,
    SqliteDirectory,
    SqliteFactsheets,
    SqliteIias,
    SqliteLas,
    SqliteOutbox,
    SqliteState,
)

__all__ = [
    "RECEIVED_KEPT",
    "IncomingLasView",
    "MockNode",
    "PublishedCatalogue",
    "StateDirectory",
    "StateFactsheets",
]

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
    notifications it was sent. ``actions`` (a
    :class:`~ewp_mock.actions.NodeActions`, one per node) is what its HEIs do
    on it; its refresher acts on the notifications received.

    ``state`` (a :class:`~ewp_mock.store.SqliteState`, ``None``: all in
    memory) holds the repositories, the admitted keys and the outbox (unless
    ``outbox_store`` names another); the node dates what it writes there on
    its clock. A served HEI the database has no record or factsheet of reads
    as a bare one (nothing is written for it).

    ``exchanges`` (an :class:`~ewp_mock.exchange_log.ExchangeRing` of
    ``config.exchange_log_size`` records, personal data kept only when
    ``config.keep_personal_data``) records every request the node received
    (the app made by :func:`~ewp_mock.create_app` records them, refused ones
    included) and every request it sent (its outbox's and refreshes' client),
    each also appended to ``exchanges_file`` when one is given. Read it with
    ``node.exchanges.records(since=seq)`` or ``.as_json(since=seq, limit=n)``.
    """

    def __init__(
        self,
        config: MockConfig,
        entries: Mapping[str, Sequence[ManifestEntry]],
        *,
        clock: Clock | None = None,
        outbox_store: OutboxStore | None = None,
        state: SqliteState | None = None,
        exchanges_file: Path | None = None,
    ) -> None:
        self.config = config
        self.clock: Clock = clock if clock is not None else SystemClock()
        self.exchanges = ExchangeRing(
            config.exchange_log_size,
            keep_personal_data=config.keep_personal_data,
            path=exchanges_file,
            clock=self.clock,
        )
        self.state = state
        self.nonces = InMemoryNonceStore() if config.replay_protection else None
        self.policy = VerificationPolicy(clock_skew=config.clock_skew, replay_store=self.nonces)
        self.response_signer = ResponseSigner(config.server_key)
        self._lock = threading.Lock()
        self._clients: dict[str, KeyInfo] = {}
        self._manifests = {h: manifest_for(config, h, entries.get(h, ())) for h in config.hei_ids}
        self._peers: dict[str, Manifest] = {}
        self.stats_portal_keys: set[str] = set()
        #: What :meth:`load_dataset` did: ``None`` before it runs, ``False`` when the
        #: :attr:`state` already held data and was used as it is.
        self.dataset_loaded: bool | None = None
        self.iias: InMemoryIiaRepository | SqliteIias
        self.approvals: InMemoryApprovalRepository | SqliteApprovals
        self.directory: InMemoryDirectory | StateDirectory
        self.las: InMemoryLaRepository | SqliteLas
        self.factsheets: InMemoryFactsheets | StateFactsheets
        self.incoming_las: dict[str, tuple[ReceivedLa, ...]] | IncomingLasView
        policy = OutboxPolicy(expire_after=config.cnr_expiry)
        box: Outbox
        if state is None:
            self._empty_stores()
            box = Outbox(outbox_store, policy=policy)
        else:
            state.use_clock(self.clock)
            self.iias = state.iias
            self.approvals = state.approvals
            self.directory = StateDirectory(state.directory, config.hei_ids)
            self.las = state.las
            state.las.cover(config.hei_ids)
            self.factsheets = StateFactsheets(state.factsheets, config.hei_ids)
            self.incoming_las = IncomingLasView(state, config.hei_ids)
            box = (
                SqliteOutbox(state.outbox, policy=policy)
                if outbox_store is None
                else Outbox(outbox_store, policy=policy)
            )
            for admitted in state.clients.all():
                self._clients[admitted.key_id] = admitted.key_info()
                if admitted.stats_portal:
                    self.stats_portal_keys.add(admitted.key_id)
        self.outbox = NodeOutbox(
            box,
            self.clock,
            Outgoing(
                catalogue_url=config.catalogue_url,
                key=config.client_key,
                hei_ids=config.hei_ids,
                verify=trust_context(config.trusted_cas),
                exchanges=self.exchanges,
            ),
        )
        self._received: deque[ReceivedNotification] = deque(maxlen=RECEIVED_KEPT)
        self._manifest_xml = {h: encode(m) for h, m in self._manifests.items()}
        self._publish()
        self.actions = NodeActions(self)

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
        key = self._checked_key(public_key)
        served = frozenset(h.strip() for h in heis)
        if any(not h for h in served):
            raise ConfigError("a HEI id must not be empty")
        return self._admit(key, served, stats_portal=False)

    def _admit(self, key: rsa.RSAPublicKey, served: frozenset[str], *, stats_portal: bool) -> str:
        kid = key_id(key)
        with self._lock:
            if self.state is not None:  # kept first: a key is admitted once it is on disk
                admitted = self.state.clients.admit(key, served, stats_portal=stats_portal)
                info = admitted.key_info()
            else:
                known = self._clients.get(kid)
                merged = served | (known.heis if known is not None else frozenset())
                info = KeyInfo(key_id=kid, public_key=key, heis=merged)
            self._clients[kid] = info
            if stats_portal:
                self.stats_portal_keys.add(kid)
            self._publish()
        return kid

    def admit_stats_portal(self, public_key: rsa.RSAPublicKey | bytes) -> str:
        """Admit a client key in the EWP Stats Portal's role; returns its keyId.

        The key is published in the catalogue covering no HEI (as
        :meth:`register_client` with no ``heis`` does, keeping any HEIs it
        already covers), and the ``stats`` endpoints answer it as they answer
        the Stats Portal. Raises what :meth:`register_client` raises.
        """
        key = self._checked_key(public_key)
        return self._admit(key, frozenset(), stats_portal=True)

    def _checked_key(self, public_key: rsa.RSAPublicKey | bytes) -> rsa.RSAPublicKey:
        key = (
            public_key if isinstance(public_key, rsa.RSAPublicKey) else load_public_key(public_key)
        )
        if key.key_size < self.config.min_client_key_bits:
            raise ConfigError(
                f"client key has {key.key_size} bits; the mock admits keys of at least "
                f"{self.config.min_client_key_bits} bits"
            )
        return key

    def load_dataset(self, dataset: Dataset, *, source: str | None = None) -> bool:
        """Put ``dataset``'s institutions, units, factsheets, IIAs, approvals and LAs in.

        HEIs of the data set this node does not serve are left out; a served
        HEI whose data has no factsheet keeps the bare one. An IIA's
        approvals come from its lifecycle record: approved locally when the
        HEI approved the partner's copy since its own last changed, by the
        partner when the partner's approval quotes the hash served now. Every
        IIA and LA loaded is changed now (the node's clock): ``index`` lists
        it for a ``modified_since`` before the load, not after.

        With a :attr:`state`, the data set (what the served HEIs keep of it,
        :meth:`~ewp_mock.data.Dataset.only`) is written only to an empty
        database (``source`` is recorded with it); returns ``False`` when the
        database already held data and was left as it is (the node uses it).
        Without one, always ``True``.
        """
        if self.state is not None:
            kept = dataset.only(h for h in self.config.hei_ids if dataset.hei(h) is not None)
            self.dataset_loaded = self.state.seed(kept, source=source, now=self.clock.now())
            return self.dataset_loaded
        assert isinstance(self.incoming_las, dict)
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
        self.dataset_loaded = True
        return True

    def _empty_stores(self) -> None:
        """In memory: the stores of a node without data (bare records and factsheets)."""
        hei_ids = self.config.hei_ids
        self.iias = InMemoryIiaRepository(clock=self.clock)
        self.approvals = InMemoryApprovalRepository()
        self.directory = InMemoryDirectory((bare_institution(h), ()) for h in hei_ids)
        self.las = InMemoryLaRepository({h: () for h in hei_ids}, clock=self.clock)
        self.factsheets = InMemoryFactsheets(bare_factsheet(h) for h in hei_ids)
        self.incoming_las = {}

    def reset(self, dataset: Dataset | None) -> None:
        """Forget every change: the stores hold ``dataset`` again; outbox and ``received`` empty.

        In memory only (a :class:`ConfigError` over a :attr:`state`: wiping a
        database is not a step to take on a call). The admitted clients, the
        peers and the clock stay; the outbox's store is emptied, not replaced.
        """
        if self.state is not None:
            raise ConfigError("a node over a database is not reset: start it on a fresh --db")
        with self._lock:
            self._empty_stores()
            box = self.outbox.box
            box.store.delete([entry.key for entry in box.entries()])
            self.outbox.box = Outbox(box.store, policy=box.policy)
            self._received.clear()
        if dataset is not None:
            self.load_dataset(dataset)

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
    def peer_manifests(self) -> tuple[Manifest, ...]:
        """The manifests of the peers introduced, in the order introduced."""
        with self._lock:
            return tuple(self._peers.values())

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

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Make the changes and the notifications queued inside one step.

        With a :attr:`state` they commit together or not at all (a block that
        raises rolls both back, and the outbox forgets what it queued in it);
        in memory the block simply runs.
        """
        if self.state is None:
            yield
            return
        try:
            with self.state.transaction():
                yield
        except BaseException:
            if isinstance(self.outbox.box, SqliteOutbox):
                self.outbox.box.reload()
            raise

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


def bare_institution(hei_id: str) -> Institution:
    """The record a served HEI without data has: its id as its name."""
    return Institution(hei_id=hei_id, names=(StringWithOptionalLang(value=hei_id, lang="en"),))


class StateDirectory:
    """The database's institutions and units, a bare record for a served HEI it lacks.

    A :class:`~ewp_client.server.DirectoryRepository`; the bare records are
    made at read time, never written (the database stays empty).
    """

    def __init__(self, stored: SqliteDirectory, hei_ids: Iterable[str]) -> None:
        self.stored = stored
        self._bare = {h.lower(): bare_institution(h) for h in hei_ids}

    def institution(self, hei_id: str) -> Institution | None:
        found = self.stored.institution(hei_id)
        return found if found is not None else self._bare.get(hei_id.lower())

    def ounits(self, hei_id: str) -> Sequence[OrganizationalUnit]:
        return self.stored.ounits(hei_id)


class StateFactsheets:
    """The database's factsheets, a bare one for a served HEI it lacks (never written)."""

    def __init__(self, stored: SqliteFactsheets, hei_ids: Iterable[str]) -> None:
        self.stored = stored
        self._hei_ids = tuple(hei_ids)

    def factsheet(self, hei_id: str) -> Factsheet | None:
        found = self.stored.factsheet(hei_id)
        if found is not None:
            return found
        served = next((h for h in self._hei_ids if h.lower() == hei_id.lower()), None)
        return None if served is None else bare_factsheet(served)

    @property
    def hei_ids(self) -> tuple[str, ...]:
        stored = self.stored.hei_ids
        known = {h.lower() for h in stored}
        return (*stored, *(h for h in self._hei_ids if h.lower() not in known))


class IncomingLasView:
    """The LAs each served HEI receives, read from the database when asked (LA CNR ``stats``).

    Those another HEI of the node sends come from that HEI's records as they
    are now (drafts left out: they are not served); those of other senders
    are the receiving HEI's copies (``state.incoming_las``). Reads like the
    in-memory node's mapping: ``get(hei_id, ())``.
    """

    def __init__(self, state: SqliteState, hei_ids: Iterable[str]) -> None:
        self._state = state
        self._hei_ids = tuple(hei_ids)

    def get(self, hei_id: str, default: tuple[ReceivedLa, ...] = ()) -> tuple[ReceivedLa, ...]:
        found = self.of(hei_id)
        return found if found else default

    def put(self, received: ReceivedLa) -> None:
        """Keep ``received`` as its receiving HEI's copy (``state.incoming_las``)."""
        self._state.incoming_las.put(received)

    def delete(self, hei_id: str, sending_hei_id: str, omobility_id: str) -> bool:
        """Forget ``hei_id``'s copy (an LA a served HEI sends is not a copy: ``False``)."""
        return self._state.incoming_las.delete(hei_id, sending_hei_id, omobility_id)

    def of(self, hei_id: str) -> tuple[ReceivedLa, ...]:
        with self._state.transaction():  # one consistent read
            local = {
                (record.la.sending_hei.hei_id.lower(), record.la.omobility_id): ReceivedLa(
                    record.la, record.rejection.proposal_id if record.rejection else None
                )
                for sender in self._hei_ids
                for record in self._state.las.las_of(sender)
                if record.la.receiving_hei.hei_id.lower() == hei_id.lower()
                and record.status is not VersionStatus.DRAFT
            }
            copies = self._state.incoming_las.of(hei_id)
        return (
            *local.values(),
            *(
                r
                for r in copies
                if (r.la.sending_hei.hei_id.lower(), r.la.omobility_id) not in local
            ),
        )
