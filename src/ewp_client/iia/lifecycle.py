"""The life of an IIA on the side that serves it: delete, modify, revert, terminate.

Pure rules over immutable values, run by the EWP mock partner behind its IIAs
endpoints and available to a SIS over its own records. Every step returns the
new state and the change notifications it calls for (IIA CNR v3 to each
partner, IIA Approval CNR v2 when we approve the partner's copy).

::

    served --partner approves our hash + we approve theirs--> mutually approved
      |                                                         |    ^
    delete (never once mutually approved:                 modify|    |revert (to the
      gone from get/index/stats, CNR,                           v    |  last approved
      its iia-id never used again)                          modified-+  snapshot)
                                                                |
                                        terminate: exchanges took place -> by modification
                                                   none yet -> terminated-as-a-whole flag

Rules:

* an IIA never mutually approved may be deleted: it disappears from every
  endpoint, a CNR tells the partner, and its ``iia-id`` is never reused;
* a mutually approved IIA is never deleted but modified; the last mutually
  approved version is kept as a snapshot so the modification can be reverted,
  which brings back the approved hash, and with it both approvals;
* a mutually approved IIA is terminated by a modification (ending its
  cooperation) when exchanges already took place under it, otherwise as a
  whole, by flagging ``terminated-as-a-whole`` on its cooperation conditions;
  an IIA never mutually approved is deleted rather than terminated.

A refused step raises :class:`~ewp_client.errors.IiaLifecycleError` (its message says
which rule); nothing changes then.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from ..codec import encode_element
from ..errors import IiaLifecycleError
from ..models.iia import Iia, IiasGetResponse
from .hash import compute_iia_hashes

__all__ = [
    "ApprovedVersion",
    "BookTransition",
    "IiaBook",
    "IiaNotification",
    "IiaTransition",
    "NotificationKind",
    "ServedIia",
    "Termination",
    "served_hash",
]


def served_hash(iia: Iia) -> str:
    """The ``iia-hash`` of ``iia`` served alone in an IIAs v7 get response."""
    (result,) = compute_iia_hashes(encode_element(IiasGetResponse(iias=(iia,))))
    return result.sha256


def _own_iia_id(iia: Iia) -> str:
    iia_id = iia.partners[0].iia_id if iia.partners else None
    if not iia_id:
        raise IiaLifecycleError(
            "the serving partner (the first) must give its iia-id",
            iia_id=None,
            action="add",
            reason="no-iia-id",
        )
    return iia_id


class NotificationKind(StrEnum):
    """Which CNR API a notification goes to."""

    #: IIA CNR v3: our copy of the agreement changed (or is gone).
    IIA = "iia"
    #: IIA Approval CNR v2: we approved the partner's copy.
    APPROVAL = "approval"


@dataclass(frozen=True, slots=True)
class IiaNotification:
    """A change notification to send to ``partner_hei_id``'s CNR endpoint."""

    kind: NotificationKind
    partner_hei_id: str
    notifier_hei_id: str
    #: The notifier's ``iia-id`` for an IIA CNR; the partner's for an approval CNR.
    iia_id: str


class Termination(StrEnum):
    """How a mutually approved IIA is terminated."""

    BY_MODIFICATION = "by-modification"
    AS_A_WHOLE = "as-a-whole"


@dataclass(frozen=True, slots=True)
class ApprovedVersion:
    """A mutually approved version: our copy, its hash and the partner's copy we approved."""

    iia: Iia
    iia_hash: str
    partner_hash: str


@dataclass(frozen=True, slots=True)
class IiaTransition:
    """The state after a step (``None`` once deleted) and the notifications it calls for."""

    state: ServedIia | None
    notifications: tuple[IiaNotification, ...] = ()
    termination: Termination | None = None


@dataclass(frozen=True, kw_only=True, slots=True)
class ServedIia:
    """One IIA as the HEI serving it keeps it.

    ``iia`` is the copy the ``get`` endpoint serves (its ``iia_hash`` kept equal
    to :attr:`iia_hash`); ``partner_approved_hash`` the hash the partner's
    Approval v2 quotes for our copy; ``partner_hash`` the hash of the
    partner's copy we approved since our copy last changed.
    """

    iia: Iia
    iia_hash: str
    partner_approved_hash: str | None = None
    partner_hash: str | None = None
    last_approved: ApprovedVersion | None = None
    exchanges_took_place: bool = False

    @classmethod
    def of(cls, iia: Iia) -> ServedIia:
        """Start serving ``iia`` (never approved), declaring its computed hash.

        A new agreement cannot be terminated as a whole (the flag is for mutually
        approved agreements, set by :meth:`terminate`).
        """
        iia_id = _own_iia_id(iia)
        if iia.cooperation_conditions.terminated_as_a_whole:
            raise IiaLifecycleError(
                f"IIA {iia_id!r} is new: it cannot be terminated as a whole (only a mutually "
                "approved IIA can, through terminate())",
                iia_id=iia_id,
                action="serve",
                reason="terminated-flag",
            )
        iia = _flag_only_when_true(iia)
        digest = served_hash(iia)
        return cls(iia=dataclasses.replace(iia, iia_hash=digest), iia_hash=digest)

    # ------------------------------------------------------------------ state

    @property
    def iia_id(self) -> str:
        return _own_iia_id(self.iia)

    @property
    def was_mutually_approved(self) -> bool:
        """Some version was approved by both partners (so it may no longer be deleted)."""
        return self.last_approved is not None

    @property
    def approved_as_served(self) -> bool:
        """The copy served now is the last mutually approved version."""
        return self.last_approved is not None and self.last_approved.iia_hash == self.iia_hash

    @property
    def terminated_as_a_whole(self) -> bool:
        return bool(self.iia.cooperation_conditions.terminated_as_a_whole)

    def _notify(self, kind: NotificationKind, iia_id: str) -> tuple[IiaNotification, ...]:
        me = self.iia.partners[0].hei_id
        return tuple(
            IiaNotification(kind, partner.hei_id, me, iia_id) for partner in self.iia.partners[1:]
        )

    def changed(self) -> tuple[IiaNotification, ...]:
        """The IIA CNRs telling every partner our copy changed."""
        return self._notify(NotificationKind.IIA, self.iia_id)

    def _settled(self) -> ServedIia:
        """This state, with the served version recorded as approved when both approved it."""
        if self.partner_approved_hash == self.iia_hash and self.partner_hash is not None:
            version = ApprovedVersion(self.iia, self.iia_hash, self.partner_hash)
            return dataclasses.replace(self, last_approved=version)
        return self

    # ------------------------------------------------------------ transitions

    def record_partner_approval(self, iia_hash: str) -> IiaTransition:
        """The partner's Approval v2 quotes ``iia_hash`` for our copy."""
        return IiaTransition(dataclasses.replace(self, partner_approved_hash=iia_hash)._settled())

    def approve_partner_copy(self, partner_hash: str) -> IiaTransition:
        """We approve the partner's copy, whose ``iia-hash`` is ``partner_hash``."""
        partner_iia_id = self.iia.partners[1].iia_id if len(self.iia.partners) > 1 else None
        if not partner_iia_id:
            raise IiaLifecycleError(
                f"IIA {self.iia_id!r} is not mapped: the partner's iia-id is missing",
                iia_id=self.iia_id,
                action="approve",
                reason="unmapped",
            )
        state = dataclasses.replace(self, partner_hash=partner_hash)._settled()
        return IiaTransition(state, self._notify(NotificationKind.APPROVAL, partner_iia_id))

    def record_exchange(self) -> ServedIia:
        """An exchange (a mobility) took place under this IIA."""
        return dataclasses.replace(self, exchanges_took_place=True)

    def modify(self, iia: Iia) -> IiaTransition:
        """Serve ``iia`` instead; the last approved version stays as a snapshot.

        The modified version needs both approvals again (ours of the partner's
        copy included). Refused when the serving partner's ``iia-id`` changes,
        and when it sets ``terminated-as-a-whole``: that is :meth:`terminate`'s
        decision, with its own rules.
        """
        if iia.cooperation_conditions.terminated_as_a_whole and not self.terminated_as_a_whole:
            raise IiaLifecycleError(
                f"IIA {self.iia_id!r}: terminated-as-a-whole is set by terminate(), not by a "
                "modification",
                iia_id=self.iia_id,
                action="modify",
                reason="terminated-flag",
            )
        return self._modify(iia)

    def _modify(self, iia: Iia) -> IiaTransition:
        if _own_iia_id(iia) != self.iia_id:
            raise IiaLifecycleError(
                f"a modification keeps the IIA's iia-id {self.iia_id!r} (got {_own_iia_id(iia)!r})",
                iia_id=self.iia_id,
                action="modify",
                reason="id-changed",
            )
        iia = _flag_only_when_true(iia)
        digest = served_hash(iia)
        state = dataclasses.replace(
            self,
            iia=dataclasses.replace(iia, iia_hash=digest),
            iia_hash=digest,
            partner_hash=None,
        )._settled()
        return IiaTransition(state, state.changed())

    def revert(self) -> IiaTransition:
        """Serve the last mutually approved version again."""
        approved = self.last_approved
        if approved is None:
            raise IiaLifecycleError(
                f"IIA {self.iia_id!r} was never mutually approved: nothing to revert to",
                iia_id=self.iia_id,
                action="revert",
                reason="never-approved",
            )
        if approved.iia_hash == self.iia_hash:
            return IiaTransition(self)
        state = dataclasses.replace(
            self, iia=approved.iia, iia_hash=approved.iia_hash, partner_hash=approved.partner_hash
        )
        return IiaTransition(state, state.changed())

    def terminate(self, modified: Iia | None = None) -> IiaTransition:
        """End a mutually approved IIA.

        With exchanges already under it, by a modification: ``modified`` is the
        copy ending the cooperation (without the terminated-as-a-whole flag).
        Without, as a whole: the flag is set and ``modified`` must be ``None``.
        """
        if not self.was_mutually_approved:
            raise IiaLifecycleError(
                f"IIA {self.iia_id!r} was never mutually approved: delete it instead of "
                "terminating it",
                iia_id=self.iia_id,
                action="terminate",
                reason="never-approved",
            )
        if self.exchanges_took_place:
            if modified is None:
                raise IiaLifecycleError(
                    f"exchanges took place under IIA {self.iia_id!r}: terminate it by a "
                    "modification (give the modified copy)",
                    iia_id=self.iia_id,
                    action="terminate",
                    reason="exchanges-took-place",
                )
            if modified.cooperation_conditions.terminated_as_a_whole:
                raise IiaLifecycleError(
                    f"exchanges took place under IIA {self.iia_id!r}: it may not be "
                    "terminated as a whole",
                    iia_id=self.iia_id,
                    action="terminate",
                    reason="exchanges-took-place",
                )
            step = self.modify(modified)
            return dataclasses.replace(step, termination=Termination.BY_MODIFICATION)
        if modified is not None:
            raise IiaLifecycleError(
                f"no exchange took place under IIA {self.iia_id!r}: it is terminated as a "
                "whole, not by a modification",
                iia_id=self.iia_id,
                action="terminate",
                reason="no-exchanges",
            )
        conditions = dataclasses.replace(
            self.iia.cooperation_conditions, terminated_as_a_whole=True
        )
        step = self._modify(dataclasses.replace(self.iia, cooperation_conditions=conditions))
        return dataclasses.replace(step, termination=Termination.AS_A_WHOLE)


def _flag_only_when_true(iia: Iia) -> Iia:
    """``iia`` without ``terminated-as-a-whole="false"``: if given the flag MUST be true."""
    conditions = iia.cooperation_conditions
    if conditions.terminated_as_a_whole is False:
        conditions = dataclasses.replace(conditions, terminated_as_a_whole=None)
        return dataclasses.replace(iia, cooperation_conditions=conditions)
    return iia


@dataclass(frozen=True, slots=True)
class BookTransition:
    """The book after a step and the notifications the step calls for."""

    book: IiaBook
    notifications: tuple[IiaNotification, ...] = ()
    termination: Termination | None = None


@dataclass(frozen=True, slots=True)
class IiaBook:
    """The IIAs a HEI serves, by its ``iia-id``, and the ids it may never use again.

    What ``get``, ``index`` and ``stats`` answer comes from :attr:`served` only,
    so a deleted IIA is gone from all of them at once.
    """

    served: Mapping[str, ServedIia] = field(default_factory=dict)
    retired: frozenset[str] = frozenset()

    def get(self, iia_id: str) -> ServedIia | None:
        return self.served.get(iia_id)

    def _with(self, state: ServedIia) -> IiaBook:
        return dataclasses.replace(self, served={**self.served, state.iia_id: state})

    def _known(self, iia_id: str) -> ServedIia:
        state = self.served.get(iia_id)
        if state is None:
            gone = " (deleted)" if iia_id in self.retired else ""
            raise IiaLifecycleError(
                f"no IIA {iia_id!r} is served{gone}",
                iia_id=iia_id,
                action="step",
                reason="unknown-iia",
            )
        return state

    def add(self, iia: Iia) -> BookTransition:
        """Start serving a new IIA; its ``iia-id`` must never have been used."""
        iia_id = _own_iia_id(iia)
        if iia_id in self.served or iia_id in self.retired:
            raise IiaLifecycleError(
                f"iia-id {iia_id!r} is already used; an iia-id is never reused",
                iia_id=iia_id,
                action="add",
                reason="id-reused",
            )
        state = ServedIia.of(iia)
        return BookTransition(self._with(state), state.changed())

    def step(self, iia_id: str, action: Callable[[ServedIia], IiaTransition]) -> BookTransition:
        """Apply ``action`` (e.g. ``ServedIia.modify``...) to the IIA ``iia_id``."""
        result = action(self._known(iia_id))
        if result.state is None or result.state.iia_id != iia_id:
            raise IiaLifecycleError(
                f"a step on IIA {iia_id!r} must keep it and its iia-id",
                iia_id=iia_id,
                action="step",
                reason="id-changed",
            )
        return BookTransition(self._with(result.state), result.notifications, result.termination)

    def delete(self, iia_id: str) -> BookTransition:
        """Stop serving an IIA never mutually approved; its id is retired for good."""
        state = self._known(iia_id)
        if state.was_mutually_approved:
            raise IiaLifecycleError(
                f"IIA {iia_id!r} was mutually approved: it may be modified or terminated, "
                "not deleted",
                iia_id=iia_id,
                action="delete",
                reason="mutually-approved",
            )
        served = {k: v for k, v in self.served.items() if k != iia_id}
        book = IiaBook(served, self.retired | {iia_id})
        return BookTransition(book, state.changed())
