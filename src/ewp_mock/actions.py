"""What an HEI does on its node: the IIA and LA lifecycle steps, with the CNRs each calls for.

:class:`NodeActions` is the HEI's desk at a :class:`~ewp_mock.node.MockNode`
(each node makes its own, :attr:`~ewp_mock.node.MockNode.actions`). Each step
runs a lifecycle of :mod:`ewp_client` and writes its outcome and the change notifications it
calls for together: the served copy or LA through the node's repositories,
the notifications into the node's outbox, both within the node's
``transaction()`` (over a database a crash keeps both or neither), and only
then wakes the delivery task. A step the lifecycle refuses raises the library's typed error
(:class:`~ewp_client.errors.IiaLifecycleError`,
:class:`~ewp_client.errors.ApprovalRefusedError`,
:class:`~ewp_client.errors.LifecycleError`...) and changes nothing.

IIAs (the HEI serves its copy; ``partners[0]`` is itself):

* :meth:`NodeActions.create_iia` serves a new copy (unmapped when the
  partner's id is not known yet), :meth:`~NodeActions.copy_partner_iia`
  serves our copy of a partner's agreement we hold (mapped to its id),
  :meth:`~NodeActions.map_iia` adds the partner's id to our copy;
  :meth:`~NodeActions.modify_iia`, :meth:`~NodeActions.revert_iia`,
  :meth:`~NodeActions.terminate_iia` and :meth:`~NodeActions.delete_iia` follow
  :class:`~ewp_client.iia.IiaBook`'s rules, each with an IIA CNR;
* :meth:`~NodeActions.approve_partner_iia` approves the partner's copy as we
  last fetched it (the hash the kit computed on it) and sends an IIA Approval CNR.

LAs, as the sending HEI: :meth:`~NodeActions.create_la` (a draft, not
served), :meth:`~NodeActions.publish_la` (created with its first proposal),
:meth:`~NodeActions.propose_la` (the first proposal publishes it; a
later one is a major change, a ``changes-proposal`` with a new id) and
:meth:`~NodeActions.amend_la` (a minor amendment: no new signatures, an LA
CNR). As the receiving HEI: :meth:`~NodeActions.approve_received_la` and
:meth:`~NodeActions.comment_received_la` call the sender's ``update``
endpoint with the node's own client.

Storage: the node's repositories are used through their protocols. An IIA
store that keeps the lifecycle record (``book`` / ``save_book``, the SQLite
one) holds the books; otherwise the books are kept here beside the copies
served (a deleted IIA leaves the store through ``delete``, a new LA enters it
through ``put``: the in-memory and the SQLite stores both have them).

What the node learns from its partners (their IIA copies, their approvals of
ours, the LAs it receives) is refreshed when a CNR arrives
(:mod:`ewp_mock.refresh`); :meth:`NodeActions.refreshed` waits for that.
The partners' copies are kept in memory, and in the node's database when it
has one (the copies as fetched; our approval of a copy comes back with it
when the approval the node serves quotes its hash).
"""

from __future__ import annotations

import contextlib
import dataclasses
import threading
from collections.abc import AsyncIterator, Callable, Iterator, Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from ewp_client.client.async_ import AsyncEwpClient
from ewp_client.client.iias import IiaCopy
from ewp_client.client.las import AsyncLasClient, Signer
from ewp_client.cnr import OutgoingNotification
from ewp_client.errors import ConfigError, IiaLifecycleError, LifecycleError
from ewp_client.iia import (
    ApprovalRecord,
    ApprovedSnapshot,
    BookTransition,
    CopyChange,
    CopyChangeKind,
    IiaBook,
    IiaNotification,
    IiaTransition,
    NotificationKind,
    PartnerCopies,
    PartnerCopy,
    ServedIia,
    copy_of,
    served_hash,
)
from ewp_client.models import (
    Iia,
    Institution,
    LaComponent,
    LasUpdateResponse,
    LearningAgreement,
    OrganizationalUnit,
    Signature,
)
from ewp_client.ola import (
    ChangeReason,
    ComponentTables,
    LaChangeNotification,
    LaCopyChange,
    ReceivedLa,
    ReceivedLaCopies,
    ReceivedLaCopy,
    SendingLa,
    Transition,
    latest_tables,
)
from ewp_client.server.repository import InMemoryDirectory, StoredIia

from .refresh import Refresher, RefreshRecord

if TYPE_CHECKING:
    from .data import Dataset
    from .node import MockNode

__all__ = ["NodeActions"]


@runtime_checkable
class _BookStore(Protocol):
    """An IIA store that keeps the whole lifecycle record (the SQLite one does)."""

    def book(self, hei_id: str) -> IiaBook: ...

    def save_book(
        self, hei_id: str, book: IiaBook, modified: datetime | None
    ) -> tuple[str, ...]: ...


def iia_notification(note: IiaNotification) -> OutgoingNotification:
    """The outbox's notification for a lifecycle's IIA or IIA Approval CNR."""
    if note.kind is NotificationKind.APPROVAL:
        return OutgoingNotification.iia_approval(
            note.partner_hei_id, note.iia_id, sending_hei_id=note.notifier_hei_id
        )
    return OutgoingNotification.iia(
        note.partner_hei_id, note.iia_id, sending_hei_id=note.notifier_hei_id
    )


def la_notification(note: LaChangeNotification) -> OutgoingNotification:
    """The outbox's notification for an LA lifecycle's LA CNR."""
    return OutgoingNotification.la(note.receiving_hei_id, note.sending_hei_id, note.omobility_id)


def _stored(state: ServedIia, modified: datetime) -> StoredIia:
    return StoredIia(
        state.iia,
        modified,
        approved_locally=state.partner_hash is not None,
        approved_by_partner=state.partner_approved_hash == state.iia_hash,
    )


def _served_of(stored: StoredIia) -> ServedIia:
    """What a store that keeps only the flags knows of an IIA's lifecycle."""
    digest = stored.iia.iia_hash or served_hash(stored.iia)
    return ServedIia(
        iia=dataclasses.replace(stored.iia, iia_hash=digest),
        iia_hash=digest,
        partner_approved_hash=digest if stored.approved_by_partner else None,
    )


class NodeActions:
    """An HEI's steps on its node, and what it holds of its partners' data (module docstring).

    Thread-safe: steps run one at a time. ``node`` is the node acted on.
    """

    def __init__(self, node: MockNode) -> None:
        self.node = node
        self._lock = threading.RLock()
        self._books: dict[str, IiaBook] = {}
        self._copies: dict[str, PartnerCopies] = {}
        self._incoming: dict[str, ReceivedLaCopies] = {}
        self.refresher = Refresher(self)

    # ------------------------------------------------------------ plumbing

    def hei(self, hei_id: str) -> str:
        """Our spelling of ``hei_id``; :class:`ConfigError` for a HEI the node does not serve."""
        for served in self.node.config.hei_ids:
            if served.lower() == hei_id.strip().lower():
                return served
        raise ConfigError(f"this node serves no HEI {hei_id!r}")

    @contextlib.contextmanager
    def _writing(self) -> Iterator[list[OutgoingNotification]]:
        """One step's writes and notifications, committed together; the task woken after."""
        queued: list[OutgoingNotification] = []
        with self._lock, self.node.transaction():
            yield queued
            now = self.node.clock.now()
            for notification in queued:
                self.node.outbox.queue(notification, now)
        if queued:
            self.node.outbox.wake()

    @contextlib.asynccontextmanager
    async def client(self) -> AsyncIterator[AsyncEwpClient]:
        """An EWP client acting as the node (its client key, HEIs, catalogue and transport)."""
        client, http = self.node.outbox.outgoing.open()
        try:
            yield client
        finally:
            await client.aclose()
            await http.aclose()

    def reset(self, dataset: Dataset | None) -> None:
        """The node back to ``dataset`` (:meth:`MockNode.reset`); what is held here forgotten."""
        with self._lock:
            self.node.reset(dataset)
            self._books.clear()
            self._copies.clear()
            self._incoming.clear()
            self.refresher.forget()

    # ------------------------------------------------------------ IIAs we serve

    def book(self, hei_id: str) -> IiaBook:
        """The IIAs ``hei_id`` serves, as the lifecycle keeps them."""
        hei = self.hei(hei_id)
        repo = self.node.iias
        if isinstance(repo, _BookStore):
            return repo.book(hei)
        with self._lock:
            known = self._books.get(hei, IiaBook())
            served = {}
            for stored in repo.iias_of(hei):
                if not stored.iia_id:
                    continue
                state = known.get(stored.iia_id)
                # A copy written by someone else (a data set, a test) starts a new record.
                served[stored.iia_id] = (
                    state if state is not None and state.iia == stored.iia else _served_of(stored)
                )
            book = self._books[hei] = IiaBook(served, known.retired)
            return book

    def served(self, hei_id: str, iia_id: str) -> ServedIia | None:
        return self.book(hei_id).get(iia_id)

    def _save_book(self, hei: str, book: IiaBook) -> None:
        now = self.node.clock.now()
        repo = self.node.iias
        if isinstance(repo, _BookStore):
            repo.save_book(hei, book, now)
            return
        before = self.book(hei)
        for iia_id, state in book.served.items():
            if before.served.get(iia_id) != state:
                repo.put(_stored(state, now))
        for iia_id in before.served.keys() - book.served.keys():
            repo.delete(hei, iia_id)
        self._books[hei] = book

    def _book_step(
        self, hei_id: str, step: Callable[[IiaBook], BookTransition], iia_id: str
    ) -> ServedIia | None:
        hei = self.hei(hei_id)
        with self._writing() as queued:
            result = step(self.book(hei))
            self._save_book(hei, result.book)
            queued.extend(iia_notification(n) for n in result.notifications)
        return result.book.get(iia_id)

    def _served_step(
        self, hei_id: str, iia_id: str, action: Callable[[ServedIia], IiaTransition]
    ) -> ServedIia:
        state = self._book_step(hei_id, lambda book: book.step(iia_id, action), iia_id)
        assert state is not None  # a step keeps the IIA
        return state

    def create_iia(self, iia: Iia) -> ServedIia:
        """Serve a new IIA (``partners[0]`` is ours); an IIA CNR to the partner."""
        hei = self.hei(iia.partners[0].hei_id if iia.partners else "")
        iia = dataclasses.replace(
            iia, partners=(dataclasses.replace(iia.partners[0], hei_id=hei), *iia.partners[1:])
        )
        iia_id = iia.partners[0].iia_id or ""
        state = self._book_step(hei, lambda book: book.add(iia), iia_id)
        assert state is not None
        return state

    def copy_partner_iia(
        self, hei_id: str, partner_hei_id: str, partner_iia_id: str, *, iia_id: str
    ) -> ServedIia:
        """Serve our copy of the partner's IIA we hold, as ``iia_id``, mapped to the partner's id.

        Its cooperation conditions are the partner's copy's; the partners swap
        places (we come first). A copy we do not hold raises
        :class:`~ewp_client.errors.IiaLifecycleError` (``unknown-iia``).
        """
        hei = self.hei(hei_id)
        held = self.partner_copies(hei).get(partner_hei_id, partner_iia_id)
        if held is None:
            raise IiaLifecycleError(
                f"no copy of {partner_hei_id}'s IIA {partner_iia_id!r} is held: it cannot be "
                "copied before a CNR (or a fetch) brings it",
                iia_id=partner_iia_id,
                action="add",
                reason="unknown-iia",
            )
        theirs = held.iia
        ours = theirs.partners[1] if len(theirs.partners) > 1 else None
        if ours is None or ours.hei_id.lower() != hei.lower():
            raise ConfigError(
                f"{partner_hei_id}'s IIA {partner_iia_id!r} does not name {hei} as its partner"
            )
        copy = Iia(
            partners=(
                dataclasses.replace(ours, hei_id=hei, iia_id=iia_id),
                dataclasses.replace(theirs.partners[0], iia_id=partner_iia_id),
            ),
            in_effect=theirs.in_effect,
            cooperation_conditions=theirs.cooperation_conditions,
            iia_hash="",
        )
        return self.create_iia(copy)

    def map_iia(self, hei_id: str, iia_id: str, partner_iia_id: str) -> ServedIia:
        """Give our copy the partner's ``iia-id`` (a modification: an IIA CNR)."""

        def mapped(state: ServedIia) -> IiaTransition:
            partners = state.iia.partners
            if len(partners) < 2:
                raise IiaLifecycleError(
                    f"IIA {iia_id!r} has no second partner to map",
                    iia_id=iia_id,
                    action="modify",
                    reason="unmapped",
                )
            partner = dataclasses.replace(partners[1], iia_id=partner_iia_id)
            iia = dataclasses.replace(state.iia, partners=(partners[0], partner, *partners[2:]))
            return state.modify(iia)

        return self._served_step(hei_id, iia_id, mapped)

    def modify_iia(self, hei_id: str, iia_id: str, iia: Iia) -> ServedIia:
        """Serve ``iia`` instead (both approvals are needed again); an IIA CNR."""
        return self._served_step(hei_id, iia_id, lambda s: s.modify(iia))

    def revert_iia(self, hei_id: str, iia_id: str) -> ServedIia:
        """Serve the last mutually approved version again; an IIA CNR when it changes the copy."""
        return self._served_step(hei_id, iia_id, lambda s: s.revert())

    def terminate_iia(self, hei_id: str, iia_id: str, modified: Iia | None = None) -> ServedIia:
        """End a mutually approved IIA (see :meth:`ServedIia.terminate`); an IIA CNR."""
        return self._served_step(hei_id, iia_id, lambda s: s.terminate(modified))

    def record_exchange(self, hei_id: str, iia_id: str) -> ServedIia:
        """A mobility took place under the IIA (it is then terminated by a modification)."""
        return self._served_step(hei_id, iia_id, lambda s: IiaTransition(s.record_exchange()))

    def delete_iia(self, hei_id: str, iia_id: str) -> None:
        """Stop serving an IIA never mutually approved (its id retired); an IIA CNR."""
        self._book_step(hei_id, lambda book: book.delete(iia_id), iia_id)

    def record_partner_approval(self, hei_id: str, iia_id: str, iia_hash: str) -> ServedIia:
        """The partner's Approval API quotes ``iia_hash`` for our copy ``iia_id`` (no CNR)."""
        return self._served_step(hei_id, iia_id, lambda s: s.record_partner_approval(iia_hash))

    # ------------------------------------------------------------ partners' IIAs

    def partner_copies(self, hei_id: str) -> PartnerCopies:
        """Our copies of the IIAs partners serve to ``hei_id`` (as last refreshed).

        A node over a database starts from the copies it keeps there, each
        with our approval when the approval we serve quotes its hash.
        """
        hei = self.hei(hei_id)
        with self._lock:
            copies = self._copies.get(hei)
            if copies is None:
                copies = self._copies[hei] = self._stored_copies(hei)
            return copies

    def _stored_copies(self, hei: str) -> PartnerCopies:
        state = self.node.state
        if state is None:
            return PartnerCopies()
        now = self.node.clock.now()
        records = {(r.partner_hei_id.lower(), r.iia_id): r for r in state.approvals.of(hei)}
        copies = {}
        for (partner, iia_id), iia in state.partner_iias.of(hei).items():
            copy = copy_of(iia)
            record = records.get((partner.lower(), iia_id))
            approved = (
                ApprovedSnapshot(copy=copy, fetched_at=now, record=record)
                if record is not None and record.iia_hash == copy.hash.sha256
                else None
            )
            copies[(partner, iia_id)] = PartnerCopy(copy=copy, fetched_at=now, approved=approved)
        return PartnerCopies(copies)

    def take_iia_copy(
        self, hei_id: str, partner_hei_id: str, iia_id: str, fetched: IiaCopy | None
    ) -> CopyChange:
        """Take in what the partner's ``get`` answered for ``iia_id`` (``None``: not there)."""
        hei = self.hei(hei_id)
        with self._lock, self.node.transaction():
            refresh = self.partner_copies(hei).refreshed(
                partner_hei_id, iia_id, fetched, self.node.clock.now(), ours=self.book(hei)
            )
            state = self.node.state
            if state is not None:
                after = refresh.change.after
                if after is not None:
                    state.partner_iias.put(hei, after.iia)
                elif refresh.change.kind is CopyChangeKind.DELETED:
                    state.partner_iias.delete(hei, partner_hei_id, iia_id)
            self._copies[hei] = refresh.book
        return refresh.change

    def approve_partner_iia(
        self, hei_id: str, partner_hei_id: str, partner_iia_id: str, *, pdf_file: str | None = None
    ) -> ApprovalRecord:
        """Approve the partner's copy as last fetched; an IIA Approval CNR to the partner.

        The approval quotes the hash the kit computed on that copy; the rules
        are :meth:`PartnerCopies.approve`'s. Our own copy mapped to it, if we
        serve one, records that we approved the partner's (both approvals make
        the version mutually approved).
        """
        hei = self.hei(hei_id)
        with self._writing() as queued:
            copies = self.partner_copies(hei)
            held = copies.get(partner_hei_id, partner_iia_id)
            our_iia_id = held.our_iia_id if held is not None else None
            approval = copies.approve(
                partner_hei_id, partner_iia_id, our_iia_id=our_iia_id, pdf_file=pdf_file
            )
            record = approval.record
            book = self.book(hei)
            if our_iia_id is not None and book.get(our_iia_id) is not None:
                book = book.step(our_iia_id, lambda s: s.approve_partner_copy(record.iia_hash)).book
                self._save_book(hei, book)
            self.node.approvals.put(hei, record)
            self._copies[hei] = approval.book
            note = dataclasses.replace(approval.notification, notifier_hei_id=hei)
            queued.append(iia_notification(note))
        return record

    # ------------------------------------------------------------ institutions

    def put_hei(
        self, institution: Institution, ounits: Sequence[OrganizationalUnit] | None = None
    ) -> None:
        """Serve ``institution`` (a HEI of the node) instead, with ``ounits`` (``None``: kept)."""
        hei = self.hei(institution.hei_id)
        institution = dataclasses.replace(institution, hei_id=hei)
        from .node import StateDirectory  # node.py imports this module

        with self._lock, self.node.transaction():
            directory = self.node.directory
            units = tuple(directory.ounits(hei) if ounits is None else ounits)
            if isinstance(directory, StateDirectory):
                directory.stored.put(institution, units)
                return
            records = {
                h.lower(): (found, tuple(directory.ounits(h)))
                for h in self.node.config.hei_ids
                if (found := directory.institution(h)) is not None
            }
            records[hei.lower()] = (institution, units)
            self.node.directory = InMemoryDirectory(records.values())

    # ------------------------------------------------------------ LAs we send

    def la(self, hei_id: str, omobility_id: str) -> SendingLa | None:
        return self.node.las.find(self.hei(hei_id), omobility_id)

    def create_la(self, la: LearningAgreement) -> SendingLa:
        """Start an LA we send as a draft (not served until its first proposal)."""
        hei = self.hei(la.sending_hei.hei_id)
        state = SendingLa.draft(la)
        with self._writing():
            if self.node.las.find(hei, la.omobility_id) is not None:
                raise LifecycleError(f"{hei} already has an LA {la.omobility_id!r}")
            self.node.las.put(state, self.node.clock.now())
        return state

    def publish_la(
        self,
        la: LearningAgreement,
        tables: ComponentTables,
        *,
        student_signature: Signature,
        sending_hei_signature: Signature,
        reasons: Mapping[LaComponent, ChangeReason] | None = None,
    ) -> Transition:
        """Create an LA we send and publish its first proposal at once; an LA CNR.

        What :meth:`create_la` then :meth:`propose_la` do, in one step.
        """
        hei = self.hei(la.sending_hei.hei_id)
        result = SendingLa.draft(la).propose(
            tables,
            student_signature=student_signature,
            sending_hei_signature=sending_hei_signature,
            reasons=reasons,
        )
        with self._writing() as queued:
            if self.node.las.find(hei, la.omobility_id) is not None:
                raise LifecycleError(f"{hei} already has an LA {la.omobility_id!r}")
            self.node.las.put(result.state, self.node.clock.now())
            queued.extend(la_notification(n) for n in result.notifications)
        return result

    def put_la(self, la: LearningAgreement) -> tuple[SendingLa, bool]:
        """Serve ``la`` as it reads, new or instead of the LA of its id; whether it was new.

        Taken over as the lifecycle takes a stored LA
        (:meth:`~ewp_client.ola.SendingLa.published`; a draft, not served, when
        it has no snapshot yet); once published, an LA CNR to the receiving HEI.
        For setting a test's data up: the lifecycle's own steps are
        :meth:`propose_la`, :meth:`amend_la` and the receiving HEI's update.
        """
        hei = self.hei(la.sending_hei.hei_id)
        published = bool(la.first_version or la.approved_changes or la.changes_proposal)
        state = SendingLa.published(la) if published else SendingLa.draft(la)
        with self._writing() as queued:
            current = self.node.las.find(hei, la.omobility_id)
            if current is None:
                self.node.las.put(state, self.node.clock.now())
            elif current != state and not self.node.las.replace(hei, current, state):
                raise LifecycleError(
                    f"LA {la.omobility_id!r} changed meanwhile (an update came first): try again"
                )
            if published:
                queued.append(la_notification(state.notification()))
        return state, current is None

    def _la_step(
        self, hei_id: str, omobility_id: str, step: Callable[[SendingLa], Transition]
    ) -> Transition:
        hei = self.hei(hei_id)
        with self._writing() as queued:
            current = self.node.las.find(hei, omobility_id)
            if current is None:
                raise LifecycleError(f"{hei} sends no LA {omobility_id!r}")
            result = step(current)
            if result.state != current and not self.node.las.replace(hei, current, result.state):
                raise LifecycleError(
                    f"LA {omobility_id!r} changed meanwhile (an update came first): read it again"
                )
            queued.extend(la_notification(n) for n in result.notifications)
        return result

    def propose_la(
        self,
        hei_id: str,
        omobility_id: str,
        desired: ComponentTables | LearningAgreement,
        *,
        student_signature: Signature,
        sending_hei_signature: Signature,
        reasons: Mapping[LaComponent, ChangeReason] | None = None,
    ) -> Transition:
        """Publish a proposal signed by the student and us; an LA CNR to the receiving HEI.

        The first proposal publishes the LA; after an approval only a major
        change is accepted (a ``changes-proposal`` with a new id), a minor one
        raises :class:`~ewp_client.errors.LifecycleError` (use :meth:`amend_la`).
        ``desired`` is the wanted component tables, or the LA as it should read.
        """
        student = None
        if isinstance(desired, LearningAgreement):
            student = desired.student
            desired = latest_tables(desired)
        tables = desired
        return self._la_step(
            hei_id,
            omobility_id,
            lambda s: s.propose(
                tables,
                student_signature=student_signature,
                sending_hei_signature=sending_hei_signature,
                reasons=reasons,
                student=student,
            ),
        )

    def amend_la(self, hei_id: str, omobility_id: str, updated: LearningAgreement) -> Transition:
        """Apply a minor amendment (dates, contacts...) in place: no new signatures, an LA CNR.

        A change needing re-validation raises :class:`~ewp_client.errors.LifecycleError`.
        """
        return self._la_step(hei_id, omobility_id, lambda s: s.amend(updated))

    # ------------------------------------------------------------ LAs we receive

    def received_las(self, hei_id: str) -> ReceivedLaCopies:
        """Our copies of the LAs partners send ``hei_id`` (as last refreshed)."""
        hei = self.hei(hei_id)
        with self._lock:
            book = self._incoming.get(hei)
            if book is None:
                stored = _incoming_of(self.node.incoming_las, hei)
                book = self._incoming[hei] = ReceivedLaCopies.of(stored, self.node.clock.now())
            return book

    def received_la(
        self, hei_id: str, sending_hei_id: str, omobility_id: str
    ) -> ReceivedLaCopy | None:
        return self.received_las(hei_id).get(sending_hei_id, omobility_id)

    def take_la_copy(
        self,
        hei_id: str,
        sending_hei_id: str,
        omobility_id: str,
        fetched: LearningAgreement | None,
    ) -> LaCopyChange:
        """Take in what the sender's ``get`` answered for ``omobility_id`` (``None``: not there)."""
        hei = self.hei(hei_id)
        with self._lock, self.node.transaction():
            refresh = self.received_las(hei).refreshed(
                sending_hei_id, omobility_id, fetched, self.node.clock.now()
            )
            self._set_incoming(hei, refresh.book)
        return refresh.change

    def _set_incoming(self, hei: str, book: ReceivedLaCopies) -> None:
        self._incoming[hei] = book
        store = self.node.incoming_las
        if isinstance(store, dict):
            store[hei] = book.records()
            return
        put = getattr(store, "put", None)
        delete = getattr(store, "delete", None)
        if callable(put) and callable(delete):
            for record in _incoming_of(store, hei):
                key = (record.la.sending_hei.hei_id, record.la.omobility_id)
                if key not in book.copies:
                    delete(hei, *key)
            for copy in book.copies.values():
                put(copy.record())

    async def approve_received_la(
        self, hei_id: str, sending_hei_id: str, omobility_id: str, signer: Signer
    ) -> LasUpdateResponse:
        """Approve the pending proposal of our copy at the sender's ``update`` endpoint.

        The sender then notifies us (LA CNR) and the copy follows. No copy, or
        no pending proposal, raises :class:`~ewp_client.errors.LifecycleError`;
        the sender's refusal, :class:`~ewp_client.errors.LaUpdateError`.
        """
        proposal_id = self._pending(hei_id, sending_hei_id, omobility_id)
        async with self.client() as client:
            return await AsyncLasClient(client).approve(
                sending_hei_id, omobility_id, proposal_id, signer
            )

    async def comment_received_la(
        self, hei_id: str, sending_hei_id: str, omobility_id: str, signer: Signer, comment: str
    ) -> LasUpdateResponse:
        """Comment on (reject) the pending proposal at the sender's ``update`` endpoint.

        The rejection is kept in our copy (the sender's ``get`` cannot show it).
        """
        proposal_id = self._pending(hei_id, sending_hei_id, omobility_id)
        async with self.client() as client:
            answer = await AsyncLasClient(client).comment(
                sending_hei_id, omobility_id, proposal_id, signer, comment
            )
        hei = self.hei(hei_id)
        with self._lock, self.node.transaction():
            book = self.received_las(hei).commented(sending_hei_id, omobility_id, proposal_id)
            self._set_incoming(hei, book)
        return answer

    def _pending(self, hei_id: str, sending_hei_id: str, omobility_id: str) -> str:
        held = self.received_la(hei_id, sending_hei_id, omobility_id)
        if held is None:
            raise LifecycleError(
                f"no copy of {sending_hei_id}'s LA {omobility_id!r} is held: wait for its CNR"
            )
        if held.proposal_id is None:
            raise LifecycleError(f"{sending_hei_id}'s LA {omobility_id!r} has no pending proposal")
        return held.proposal_id

    # ------------------------------------------------------------ refreshes

    @property
    def refreshes(self) -> tuple[RefreshRecord, ...]:
        """What the node did with each CNR it received, oldest first."""
        return self.refresher.records

    async def refreshed(self) -> None:
        """Wait until every refresh scheduled so far (and any it led to) is done."""
        await self.refresher.wait()


def _incoming_of(store: object, hei: str) -> tuple[ReceivedLa, ...]:
    if isinstance(store, dict):
        return tuple(store.get(hei, ()))
    of = getattr(store, "of", None)
    return tuple(of(hei)) if callable(of) else ()
