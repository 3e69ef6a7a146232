"""Acting on a received change notification: fetch the changed object, update the node's copy.

The CNR routes answer 200 at once (unknown ids too) and hand the notification
to the node's :class:`Refresher` (:meth:`Refresher.schedule`), which runs a
task in the route's event loop. The task fetches from the notifier, with the
node's own client (its key, catalogue and transport), and takes the result in
through :class:`~ewp_mock.actions.NodeActions`:

* IIA CNR: the notifier's copy of each ``iia_id``, fetched alone
  (:meth:`~ewp_client.client.AsyncIiasClient.get_one`), goes into the node's
  :class:`~ewp_client.iia.PartnerCopies` (an approved snapshot is kept, a
  copy absent from a successful answer is a deleted one);
* IIA Approval CNR: the notifier's Approval API is asked about our ids; the
  hash each approval quotes is recorded on our copy
  (:meth:`~ewp_client.iia.ServedIia.record_partner_approval`);
* LA CNR: the sender's LAs ``get`` of each ``omobility_id`` goes into the
  node's :class:`~ewp_client.ola.ReceivedLaCopies`.

The notifier is the HEI the caller's key covers (the IIA CNRs carry no HEI;
when a key covers several, the first that serves the object is taken). A
node reading its own catalogue does not call a HEI it was never introduced
to: that refresh fails at once, saying so.
Nothing here raises into the route: each object's outcome, a failure
included, is a :class:`RefreshRecord` (:attr:`Refresher.records`, and the
received notification's ``outcomes``). An error
fetching is no evidence about the object, so the copy is left as it was then.
Tests wait with :meth:`Refresher.wait` (or the network's ``idle()``).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import threading
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Final

from ewp_client.client.async_ import AsyncEwpClient
from ewp_client.client.iia_approval import AsyncIiaApprovalClient
from ewp_client.client.iias import AsyncIiasClient, IiaCopy
from ewp_client.client.las import AsyncLasClient
from ewp_client.cnr import CnrKind
from ewp_client.errors import EwpWarning, NoEndpointError
from ewp_client.iia import CopyChange, CopyChangeKind, PartnerApproval, approval_status
from ewp_client.namespaces import IIAS_API, IIAS_APPROVAL_API, OMOBILITY_LAS_API, ApiVersion
from ewp_client.ola import LaCopyChange, LaCopyChangeKind
from ewp_client.partner_warnings import collected

from .delivery import ReceivedNotification
from .exchange_log import note_known_issue

if TYPE_CHECKING:
    from .actions import NodeActions

__all__ = ["REFRESHES_KEPT", "RefreshOutcome", "RefreshRecord", "Refresher"]

log = logging.getLogger("ewp_mock.refresh")

#: How many refresh records a node keeps (the latest).
REFRESHES_KEPT: Final = 10_000


class RefreshOutcome(StrEnum):
    """What acting on one object of a received CNR came to."""

    #: Fetched and taken in (see the record's ``change``).
    REFRESHED = "refreshed"
    #: Absent from the notifier's successful answer while a copy was held: the
    #: copy is dropped (the ``change`` says so too).
    DELETED = "deleted"
    #: The notifier does not show the object, and no copy was held (no error).
    NOT_FOUND = "not-found"
    #: Fetching or taking in failed (see ``error``): the copy is as it was.
    FAILED = "failed"


@dataclass(frozen=True, slots=True, kw_only=True)
class RefreshRecord:
    """The outcome of acting on one object (``object_id``) a received CNR named.

    ``partner_hei_id`` is the notifier asked (``None`` when none could be
    told); ``change`` what the copy became (:class:`~ewp_client.iia.CopyChange`,
    :class:`~ewp_client.ola.LaCopyChange`, or for an approval the
    :class:`~ewp_client.iia.PartnerApproval` of our copy); ``error`` the
    failure's type and message; ``at`` the node's business time;
    ``warnings`` what the client found the notifier got wrong while fetching
    (:class:`~ewp_client.errors.EwpWarning`, collected per notification
    rather than issued into the node's console).
    """

    notification: ReceivedNotification
    object_id: str
    outcome: RefreshOutcome
    at: datetime
    partner_hei_id: str | None = None
    change: CopyChange | LaCopyChange | PartnerApproval | None = None
    error: str | None = None
    warnings: tuple[EwpWarning, ...] = ()


#: The copy changes that are not a plain refresh (the others are ``REFRESHED``).
_IIA_OUTCOMES: Final = {
    CopyChangeKind.DELETED: RefreshOutcome.DELETED,
    CopyChangeKind.NOT_FOUND: RefreshOutcome.NOT_FOUND,
}
_LA_OUTCOMES: Final = {
    LaCopyChangeKind.GONE: RefreshOutcome.DELETED,
    LaCopyChangeKind.NOT_FOUND: RefreshOutcome.NOT_FOUND,
}


def _describe(error: BaseException) -> str:
    """The error as a refresh record says it; its known issue goes on the exchange log's
    record of the call that showed it (:func:`~ewp_mock.exchange_log.note_known_issue`)."""
    note_known_issue(error)
    return f"{type(error).__name__}: {error}"


class Refresher:
    """The refresh tasks of one node and their records (see the module docstring)."""

    def __init__(self, actions: NodeActions) -> None:
        self._actions = actions
        self._lock = threading.Lock()
        self._records: deque[RefreshRecord] = deque(maxlen=REFRESHES_KEPT)
        self._pending: set[concurrent.futures.Future[None]] = set()
        self._tasks: set[asyncio.Task[None]] = set()

    # ------------------------------------------------------------ reading

    @property
    def records(self) -> tuple[RefreshRecord, ...]:
        """Every object's outcome, oldest first (the latest :data:`REFRESHES_KEPT`)."""
        with self._lock:
            return tuple(self._records)

    def outcomes(self, notification: ReceivedNotification) -> tuple[RefreshRecord, ...]:
        """The records of one received notification."""
        return tuple(r for r in self.records if r.notification is notification)

    def forget(self) -> None:
        """Drop the records kept (a node reset); refreshes under way still finish."""
        with self._lock:
            self._records.clear()

    @property
    def busy(self) -> bool:
        with self._lock:
            return bool(self._pending)

    # ------------------------------------------------------------ running

    def schedule(self, notification: ReceivedNotification) -> None:
        """Act on ``notification`` in a task of the running loop (the route returns at once)."""
        done: concurrent.futures.Future[None] = concurrent.futures.Future()
        with self._lock:
            self._pending.add(done)
        task = asyncio.get_running_loop().create_task(
            self._run(notification), name="ewp-mock-refresh"
        )
        self._tasks.add(task)

        def finished(task: asyncio.Task[None]) -> None:
            self._tasks.discard(task)
            with self._lock:
                self._pending.discard(done)
            done.set_result(None)

        task.add_done_callback(finished)

    async def wait(self) -> None:
        """Wait until every refresh scheduled so far is done (from any loop or thread)."""
        while True:
            with self._lock:
                pending = list(self._pending)
            if not pending:
                return
            await asyncio.gather(*(asyncio.wrap_future(f) for f in pending))

    async def refresh(self, notification: ReceivedNotification) -> tuple[RefreshRecord, ...]:
        """Act on ``notification`` now; its records (also kept in :attr:`records`)."""
        with collected() as found:
            try:
                async with self._actions.client() as client:
                    records = await self._refresh(client, notification)
            except Exception as exc:  # the node's client could not even be made
                log.warning("refreshing after a %s CNR failed: %s", notification.kind, exc)
                records = self._failed(notification, _describe(exc))
        if found:
            records = [replace(r, warnings=tuple(found)) for r in records]
        with self._lock:
            self._records.extend(records)
        notification.acted(records)
        return tuple(records)

    async def _run(self, notification: ReceivedNotification) -> None:
        await self.refresh(notification)

    def _record(
        self,
        notification: ReceivedNotification,
        object_id: str,
        outcome: RefreshOutcome,
        *,
        partner_hei_id: str | None = None,
        change: CopyChange | LaCopyChange | PartnerApproval | None = None,
        error: str | None = None,
    ) -> RefreshRecord:
        return RefreshRecord(
            notification=notification,
            object_id=object_id,
            outcome=outcome,
            at=self._actions.node.clock.now(),
            partner_hei_id=partner_hei_id,
            change=change,
            error=error,
        )

    def _notifiers(self, notification: ReceivedNotification) -> list[str]:
        ours = {h.lower() for h in self._actions.node.config.hei_ids}
        return sorted(h for h in notification.caller_heis if h.lower() not in ours)

    def _unreachable(self, hei_id: str, api: ApiVersion) -> str | None:
        """Why the node cannot call ``api`` of ``hei_id``, when its own catalogue says so.

        A node reading its own catalogue knows without a request that a HEI
        it was never introduced to cannot be fetched from; a node reading a
        Registry finds out by asking.
        """
        node = self._actions.node
        if node.config.registry_url is not None:
            return None
        try:
            node.catalogue.find_api(hei_id, api)
        except NoEndpointError as exc:
            return _describe(exc)
        return None

    def _failed(
        self, notification: ReceivedNotification, error: str, partner_hei_id: str | None = None
    ) -> list[RefreshRecord]:
        return [
            self._record(
                notification, i, RefreshOutcome.FAILED, partner_hei_id=partner_hei_id, error=error
            )
            for i in notification.object_ids
        ]

    async def _refresh(
        self, client: AsyncEwpClient, notification: ReceivedNotification
    ) -> list[RefreshRecord]:
        if notification.kind is CnrKind.LA:
            sender = notification.sending_hei_id
            if not sender:
                return self._failed(notification, "the LA CNR names no sending_hei_id")
            why = self._unreachable(sender, OMOBILITY_LAS_API)
            if why is not None:
                return self._failed(notification, why, sender)
            return await self._las(client, notification, sender)
        api = IIAS_APPROVAL_API if notification.kind is CnrKind.IIA_APPROVAL else IIAS_API
        candidates = self._notifiers(notification)
        reasons = {h: self._unreachable(h, api) for h in candidates}
        notifiers = [h for h in candidates if reasons[h] is None]
        if not candidates:
            return self._failed(notification, "the caller's key covers no partner HEI")
        if not notifiers:
            first = candidates[0]
            return self._failed(notification, reasons[first] or "", first)
        if notification.kind is CnrKind.IIA_APPROVAL:
            return await self._approvals(client, notification, notifiers)
        return [
            await self._iia(client, notification, notifiers, i) for i in notification.object_ids
        ]

    # ------------------------------------------------------------ per kind

    async def _iia(
        self,
        client: AsyncEwpClient,
        notification: ReceivedNotification,
        notifiers: Sequence[str],
        iia_id: str,
    ) -> RefreshRecord:
        actions, hei = self._actions, notification.hei_id
        fetched: dict[str, IiaCopy | None] = {}
        failure: tuple[str, str] | None = None
        for partner in notifiers:
            try:
                fetched[partner] = await AsyncIiasClient(client).get_one(partner, iia_id)
            except Exception as exc:
                failure = failure or (partner, _describe(exc))
                continue
            if fetched[partner] is not None:
                break
        found = [p for p, c in fetched.items() if c is not None]
        held = [p for p in fetched if actions.partner_copies(hei).get(p, iia_id) is not None]
        if found:
            partner = found[0]
        elif failure is not None:
            return self._record(
                notification,
                iia_id,
                RefreshOutcome.FAILED,
                partner_hei_id=failure[0],
                error=failure[1],
            )
        else:
            partner = (held or list(fetched))[0]
        try:
            change = actions.take_iia_copy(hei, partner, iia_id, fetched[partner])
        except Exception as exc:
            return self._record(
                notification,
                iia_id,
                RefreshOutcome.FAILED,
                partner_hei_id=partner,
                error=_describe(exc),
            )
        outcome = _IIA_OUTCOMES.get(change.kind, RefreshOutcome.REFRESHED)
        return self._record(notification, iia_id, outcome, partner_hei_id=partner, change=change)

    async def _approvals(
        self, client: AsyncEwpClient, notification: ReceivedNotification, notifiers: Sequence[str]
    ) -> list[RefreshRecord]:
        actions, hei = self._actions, notification.hei_id
        ids = notification.object_ids
        records: dict[str, RefreshRecord] = {}
        for partner in notifiers:
            try:
                answer = await AsyncIiaApprovalClient(client).get(partner, ids)
            except Exception as exc:
                for iia_id in ids:
                    records.setdefault(
                        iia_id,
                        self._record(
                            notification,
                            iia_id,
                            RefreshOutcome.FAILED,
                            partner_hei_id=partner,
                            error=_describe(exc),
                        ),
                    )
                continue
            for approval in answer.approvals:
                if approval.iia_id not in ids:
                    continue
                try:
                    state = actions.record_partner_approval(hei, approval.iia_id, approval.iia_hash)
                except Exception as exc:
                    records[approval.iia_id] = self._record(
                        notification,
                        approval.iia_id,
                        RefreshOutcome.FAILED,
                        partner_hei_id=partner,
                        error=_describe(exc),
                    )
                    continue
                status = approval_status({approval.iia_id: state.iia_hash}, [approval])
                records[approval.iia_id] = self._record(
                    notification,
                    approval.iia_id,
                    RefreshOutcome.REFRESHED,
                    partner_hei_id=partner,
                    change=status[approval.iia_id],
                )
        for iia_id in ids:  # the partner shows no approval of it
            if iia_id not in records:
                records[iia_id] = self._record(
                    notification, iia_id, RefreshOutcome.NOT_FOUND, partner_hei_id=notifiers[0]
                )
        return [records[i] for i in ids]

    async def _las(
        self, client: AsyncEwpClient, notification: ReceivedNotification, sender: str
    ) -> list[RefreshRecord]:
        actions, hei = self._actions, notification.hei_id
        ids = notification.object_ids
        try:
            las = await AsyncLasClient(client).get(sender, ids)
        except Exception as exc:
            return self._failed(notification, _describe(exc), sender)
        by_id = {la.omobility_id: la for la in las}
        records = []
        for omobility_id in ids:
            try:
                change = actions.take_la_copy(hei, sender, omobility_id, by_id.get(omobility_id))
            except Exception as exc:
                records.append(
                    self._record(
                        notification,
                        omobility_id,
                        RefreshOutcome.FAILED,
                        partner_hei_id=sender,
                        error=_describe(exc),
                    )
                )
                continue
            outcome = _LA_OUTCOMES.get(change.kind, RefreshOutcome.REFRESHED)
            records.append(
                self._record(
                    notification, omobility_id, outcome, partner_hei_id=sender, change=change
                )
            )
        return records
