"""The receiving HEI's copies of the learning agreements partners send it.

The sending HEI is the master of an LA; the receiving HEI keeps a copy,
refreshed when an LA CNR names the mobility: it answers 200 at once (an
unknown ``omobility_id`` is no error), fetches the LA from the sender's
OMobility LAs ``get`` endpoint and hands the result to
:meth:`ReceivedLaCopies.refreshed`, which returns the new book and a
:class:`LaCopyChange` saying what happened. Everything here is pure.

Following the sender's versions
-------------------------------
The document served holds the whole history the receiving side needs: the
``first-version`` (approved once, never changed again), the
``approved-changes`` (the latest approved version, cumulative since the first)
and a pending ``changes-proposal`` with its id (the id an approval or comment
must quote). The copy is therefore the latest fetched document, and a refresh
reports which version events happened since the previous one
(:class:`LaVersionEvent`; several when CNRs were missed, e.g. a proposal
approved and the next one already made).

One fact is not in the document: a rejection. The ``get`` response has no
element for the receiving HEI's comment, so the copy records which proposal
*we* commented (:meth:`ReceivedLaCopies.commented`) and keeps it while the
sender serves that proposal; a new proposal, or its approval, clears it. That
is what :class:`~ewp_client.ola.stats.ReceivedLa` needs for the LA CNR
``stats`` counters (:meth:`ReceivedLaCopies.records`): the counting rules live
in :mod:`ewp_client.ola.stats` only.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from ..errors import ConfigError, LifecycleError, StaleProposalError
from ..models.la import ChangesProposal, LearningAgreement
from ..models.la_cnr import LaCnrStatsResponse
from .amendments import AmendmentReport, classify_amendment
from .lifecycle import VersionStatus, latest_version_status
from .proposal import ComponentTables, current_tables
from .stats import ReceivedLa, incoming_stats_response

__all__ = [
    "LaCopyChange",
    "LaCopyChangeKind",
    "LaCopyRefresh",
    "LaVersionEvent",
    "ReceivedLaCopies",
    "ReceivedLaCopy",
    "version_events",
]

#: An incoming LA is known by its sending HEI and its ``omobility-id``.
LaKey = tuple[str, str]


class LaCopyChangeKind(StrEnum):
    """What a refresh found, compared with the copy kept before."""

    #: An LA we held no copy of.
    NEW = "new"
    #: A version event happened (see :class:`LaVersionEvent`).
    NEW_VERSION = "new-version"
    #: The document changed without a version event: a minor amendment made in place.
    AMENDED = "amended"
    #: The same document as before.
    UNCHANGED = "unchanged"
    #: Absent from a successful ``get``: the sender no longer shows it (the copy is dropped).
    GONE = "gone"
    #: Absent, and no copy was held: nothing to do.
    NOT_FOUND = "not-found"


class LaVersionEvent(StrEnum):
    """A step of the sender's versions seen between two fetches."""

    #: A changes-proposal not seen before (the first proposal, or one after approvals).
    PROPOSED = "proposed"
    #: The first version was approved (``first-version`` appeared).
    FIRST_VERSION_APPROVED = "first-version-approved"
    #: A later proposal was approved (``approved-changes`` is new).
    CHANGES_APPROVED = "changes-approved"
    #: The proposal we held is gone and nothing was approved in its place.
    PROPOSAL_WITHDRAWN = "proposal-withdrawn"


def _proposal_id(la: LearningAgreement | None) -> str | None:
    proposal = None if la is None else la.changes_proposal
    return None if proposal is None else proposal.id


def version_events(
    before: LearningAgreement | None, after: LearningAgreement
) -> tuple[LaVersionEvent, ...]:
    """The version events that lead from ``before`` (``None``: nothing held) to ``after``."""
    events = []
    approved = False
    if after.first_version is not None and (before is None or before.first_version is None):
        events.append(LaVersionEvent.FIRST_VERSION_APPROVED)
        approved = True
    if after.approved_changes is not None and (
        before is None or before.approved_changes != after.approved_changes
    ):
        events.append(LaVersionEvent.CHANGES_APPROVED)
        approved = True
    held, now = _proposal_id(before), _proposal_id(after)
    if now is not None and now != held:
        events.append(LaVersionEvent.PROPOSED)
    elif held is not None and now is None and not approved:
        events.append(LaVersionEvent.PROPOSAL_WITHDRAWN)
    return tuple(events)


@dataclass(frozen=True, slots=True, kw_only=True)
class ReceivedLaCopy:
    """An incoming LA as last fetched, and the proposal we commented (rejected), if any."""

    la: LearningAgreement
    fetched_at: datetime
    commented_proposal_id: str | None = None

    @property
    def key(self) -> LaKey:
        return (self.la.sending_hei.hei_id, self.la.omobility_id)

    @property
    def status(self) -> VersionStatus:
        """Where the latest version stands with us (awaiting, approved, rejected)."""
        return latest_version_status(self.la, self.commented_proposal_id)

    @property
    def pending_proposal(self) -> ChangesProposal | None:
        """The proposal awaiting our decision (its ``id`` is what an update quotes)."""
        return self.la.changes_proposal

    @property
    def proposal_id(self) -> str | None:
        return _proposal_id(self.la)

    @property
    def approved_tables(self) -> ComponentTables | None:
        """The latest approved version's component tables (``None``: nothing approved yet)."""
        return current_tables(self.la)

    def record(self) -> ReceivedLa:
        """The copy as the LA CNR ``stats`` counters read it."""
        return ReceivedLa(self.la, self.commented_proposal_id)


@dataclass(frozen=True, slots=True, kw_only=True)
class LaCopyChange:
    """What one refresh changed in our copy of ``sending_hei_id``'s LA ``omobility_id``.

    ``amendment`` classifies every difference between the two documents (for
    :attr:`LaCopyChangeKind.NEW_VERSION` and :attr:`LaCopyChangeKind.AMENDED`).
    """

    kind: LaCopyChangeKind
    sending_hei_id: str
    omobility_id: str
    before: ReceivedLaCopy | None = None
    after: ReceivedLaCopy | None = None
    events: tuple[LaVersionEvent, ...] = ()
    amendment: AmendmentReport | None = None


@dataclass(frozen=True, slots=True)
class LaCopyRefresh:
    """The book after a refresh, and what changed."""

    book: ReceivedLaCopies
    change: LaCopyChange


def _checked(key: LaKey, la: LearningAgreement) -> None:
    found = (la.sending_hei.hei_id, la.omobility_id)
    if found != key:
        raise ConfigError(
            f"the LA fetched is {found[0]}'s mobility {found[1]!r}, not {key[0]}'s "
            f"mobility {key[1]!r}"
        )


@dataclass(frozen=True, slots=True)
class ReceivedLaCopies:
    """The receiving HEI's copies of incoming LAs, by (sending HEI, ``omobility-id``)."""

    copies: Mapping[LaKey, ReceivedLaCopy] = field(default_factory=dict)

    @classmethod
    def of(cls, records: Iterable[ReceivedLa], fetched_at: datetime) -> ReceivedLaCopies:
        """A book holding ``records`` (e.g. a node's stored copies) as fetched at ``fetched_at``."""
        copies = (
            ReceivedLaCopy(
                la=r.la, fetched_at=fetched_at, commented_proposal_id=r.commented_proposal_id
            )
            for r in records
        )
        return cls({c.key: c for c in copies})

    def get(self, sending_hei_id: str, omobility_id: str) -> ReceivedLaCopy | None:
        return self.copies.get((sending_hei_id, omobility_id))

    def records(self) -> tuple[ReceivedLa, ...]:
        """Every copy as :class:`~ewp_client.ola.stats.ReceivedLa` (what the stats count)."""
        return tuple(c.record() for c in self.copies.values())

    def stats_response(self) -> LaCnrStatsResponse:
        """The LA CNR ``stats`` answer for these copies."""
        return incoming_stats_response(self.records())

    def refreshed(
        self,
        sending_hei_id: str,
        omobility_id: str,
        fetched: LearningAgreement | None,
        now: datetime,
    ) -> LaCopyRefresh:
        """The book once ``fetched`` (the LA a successful ``get`` returned) is taken in.

        ``fetched`` is ``None`` when the sender's answer did not hold the LA
        (an error fetching it is no evidence: do not refresh then). An LA of
        another sender or mobility raises :class:`~ewp_client.errors.ConfigError`;
        one whose receiving HEI changed raises
        :class:`~ewp_client.errors.LearningAgreementError` (not a version of
        the same LA).
        """
        key = (sending_hei_id, omobility_id)
        before = self.copies.get(key)
        if fetched is None:
            if before is None:
                change = LaCopyChange(
                    kind=LaCopyChangeKind.NOT_FOUND,
                    sending_hei_id=sending_hei_id,
                    omobility_id=omobility_id,
                )
                return LaCopyRefresh(self, change)
            copies = {k: v for k, v in self.copies.items() if k != key}
            change = LaCopyChange(
                kind=LaCopyChangeKind.GONE,
                sending_hei_id=sending_hei_id,
                omobility_id=omobility_id,
                before=before,
            )
            return LaCopyRefresh(ReceivedLaCopies(copies), change)
        _checked(key, fetched)
        held = None if before is None else before.la
        events = version_events(held, fetched)
        commented = None if before is None else before.commented_proposal_id
        if commented is not None and _proposal_id(fetched) != commented:
            commented = None
        after = ReceivedLaCopy(la=fetched, fetched_at=now, commented_proposal_id=commented)
        amendment = None
        if held is None:
            kind = LaCopyChangeKind.NEW
        elif held == fetched:
            kind = LaCopyChangeKind.UNCHANGED
        else:
            amendment = classify_amendment(held, fetched)
            kind = LaCopyChangeKind.NEW_VERSION if events else LaCopyChangeKind.AMENDED
        change = LaCopyChange(
            kind=kind,
            sending_hei_id=sending_hei_id,
            omobility_id=omobility_id,
            before=before,
            after=after,
            events=events,
            amendment=amendment,
        )
        return LaCopyRefresh(ReceivedLaCopies({**self.copies, key: after}), change)

    def commented(
        self, sending_hei_id: str, omobility_id: str, proposal_id: str
    ) -> ReceivedLaCopies:
        """The book once our comment (rejection) of ``proposal_id`` is accepted by the sender.

        Recorded here because the sender's ``get`` cannot show it. The proposal
        must be the one our copy holds:
        :class:`~ewp_client.errors.StaleProposalError` otherwise (refresh first),
        and :class:`~ewp_client.errors.LifecycleError` for an LA we hold no copy of.
        """
        held = self.get(sending_hei_id, omobility_id)
        if held is None:
            raise LifecycleError(
                f"no copy of {sending_hei_id}'s LA {omobility_id!r} is held: fetch it first"
            )
        if held.proposal_id != proposal_id:
            raise StaleProposalError(
                f"changes-proposal {proposal_id!r} is not the one our copy holds "
                f"({held.proposal_id!r}); refresh the LA first",
                expected=held.proposal_id,
                got=proposal_id,
            )
        after = dataclasses.replace(held, commented_proposal_id=proposal_id)
        return ReceivedLaCopies({**self.copies, held.key: after})
