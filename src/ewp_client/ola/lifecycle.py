"""The sending HEI's learning agreement lifecycle, as a pure state machine.

::

    draft --propose--> awaiting --approve--> approved --propose (major only)--> awaiting
                          |  ^                  |
                   comment|  |propose           +--amend (minor, in place, CNR)
                          v  |
                        rejected

A :class:`SendingLa` is immutable: every transition returns a
:class:`Transition` with the new state and the change notifications (LA CNR)
the sending HEI must send. The EWP mock partner runs this machine behind its
``update`` endpoint; a SIS can run it over its own records.

Rules enforced here:

- a proposal is signed by the student and the sending HEI; on approval it
  folds into ``first-version`` (the first time) or replaces
  ``approved-changes``, with the receiving HEI's signature recorded;
- after the first approval a new proposal is accepted only for a major
  amendment; minor ones go through :meth:`SendingLa.amend` (no signatures);
- blended mobilities with short-term physical mobility and short-term
  doctoral mobilities take no proposal once their first version is approved;
- an approval or comment naming another proposal than the current one raises
  :class:`~ewp_client.errors.StaleProposalError` (the server answers 409).
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Final

from ..errors import LearningAgreementError, LifecycleError, StaleProposalError
from ..models.la import (
    LaComponent,
    LearningAgreement,
    ListOfComponents,
    MobilityType,
    Signature,
    Student,
)
from ..models.la_update import ApproveProposalV1, CommentProposalV1, LasUpdateRequest
from .amendments import AmendmentKind, AmendmentReport, ChangeTable, classify_amendment
from .proposal import (
    IDENTITY_FIELDS,
    TABLE_FIELDS,
    ChangeReason,
    ComponentTables,
    build_changes_proposal,
    current_tables,
    identity_changes,
)

__all__ = [
    "LaChangeNotification",
    "ProposalComment",
    "SendingLa",
    "Transition",
    "VersionStatus",
    "latest_version_status",
    "mobility_type",
]


class VersionStatus(StrEnum):
    """Where the latest version of an LA stands with the receiving HEI."""

    DRAFT = "draft"
    AWAITING = "awaiting"
    APPROVED = "approved"
    REJECTED = "rejected"


@dataclass(frozen=True, slots=True)
class ProposalComment:
    """The receiving HEI's comment (rejection) of one proposal."""

    proposal_id: str
    comment: str
    signature: Signature


@dataclass(frozen=True, slots=True)
class LaChangeNotification:
    """An LA CNR to send: the receiving HEI's LA CNR API is told this LA changed."""

    receiving_hei_id: str
    sending_hei_id: str
    omobility_id: str


def latest_version_status(
    la: LearningAgreement, commented_proposal_id: str | None
) -> VersionStatus:
    """The status of the latest version, given which proposal (if any) was commented."""
    proposal = la.changes_proposal
    if proposal is not None:
        if proposal.id == commented_proposal_id:
            return VersionStatus.REJECTED
        return VersionStatus.AWAITING
    if la.first_version is not None:
        return VersionStatus.APPROVED
    return VersionStatus.DRAFT


def mobility_type(la: LearningAgreement) -> MobilityType:
    """Blended (short-term physical) or short-term doctoral when any snapshot has that list."""
    snapshots = (la.first_version, la.approved_changes, la.changes_proposal)
    for snapshot in snapshots:
        if snapshot is not None and snapshot.blended_mobility_components is not None:
            return MobilityType.BLENDED
    for snapshot in snapshots:
        if snapshot is not None and snapshot.short_term_doctoral_components is not None:
            return MobilityType.DOCTORAL
    return MobilityType.SEMESTER


@dataclass(frozen=True, slots=True)
class Transition:
    """The state after a step, and the notifications the step calls for."""

    state: SendingLa
    notifications: tuple[LaChangeNotification, ...] = ()
    amendment: AmendmentReport | None = None


@dataclass(frozen=True, kw_only=True, slots=True)
class SendingLa:
    """One learning agreement as its sending HEI keeps it.

    ``la`` is the document the ``get`` endpoint serves (once published);
    ``approved_student`` the student data at the last approval (to compute a
    proposal's ``student`` block); ``unapproved_identity`` the identity fields
    the served proposal lists as changed when their approved values are not
    known (an LA taken over by :meth:`published`): they stay in every new
    proposal until one is approved. ``rejection`` is the receiving HEI's
    comment on the current proposal, if it rejected it.
    """

    la: LearningAgreement
    approved_student: Student | None = None
    unapproved_identity: frozenset[str] = frozenset()
    rejection: ProposalComment | None = None

    @classmethod
    def draft(cls, la: LearningAgreement) -> SendingLa:
        """Start an LA from its header and student data (component snapshots must be empty)."""
        if la.first_version or la.approved_changes or la.changes_proposal:
            raise LifecycleError("a draft has no first-version, approved-changes or proposal")
        return cls(la=la)

    @classmethod
    def published(
        cls, la: LearningAgreement, rejection: ProposalComment | None = None
    ) -> SendingLa:
        """Take over an LA already served (e.g. loaded from storage).

        The document does not keep the student data of the last approval; the
        identity fields its pending proposal lists (``changes-proposal/student``)
        are taken as changed since then, the others as approved as they read.
        """
        approved = la.student if la.first_version is not None else None
        proposal = la.changes_proposal
        pending = frozenset(
            name
            for name in IDENTITY_FIELDS
            if proposal is not None
            and proposal.student is not None
            and getattr(proposal.student, name) is not None
        )
        return cls(
            la=la, approved_student=approved, unapproved_identity=pending, rejection=rejection
        )

    # ------------------------------------------------------------------ state

    @property
    def status(self) -> VersionStatus:
        commented = self.rejection.proposal_id if self.rejection else None
        return latest_version_status(self.la, commented)

    @property
    def proposal_id(self) -> str | None:
        proposal = self.la.changes_proposal
        return None if proposal is None else proposal.id

    @property
    def mobility_type(self) -> MobilityType:
        return mobility_type(self.la)

    def notification(self) -> LaChangeNotification:
        return LaChangeNotification(
            receiving_hei_id=self.la.receiving_hei.hei_id,
            sending_hei_id=self.la.sending_hei.hei_id,
            omobility_id=self.la.omobility_id,
        )

    def _published(self, la: LearningAgreement) -> bool:
        return la.first_version is not None or la.changes_proposal is not None

    # ------------------------------------------------------------ transitions

    def propose(
        self,
        desired: ComponentTables,
        *,
        student_signature: Signature,
        sending_hei_signature: Signature,
        reasons: Mapping[LaComponent, ChangeReason] | None = None,
        student: Student | None = None,
    ) -> Transition:
        """Publish a proposal (signed by student and sending HEI) for the ``desired`` tables.

        ``student`` is the student's current data when it changed; identity
        changes since the last approval go into the proposal's ``student``.
        Raises :class:`~ewp_client.errors.LifecycleError` for a blended or
        doctoral mobility after its first approval, and when nothing needing
        re-validation changed since the last approval.
        """
        la = self.la if student is None else dataclasses.replace(self.la, student=student)
        approved_tables = current_tables(la)
        if approved_tables is not None:
            kind = mobility_type(la)
            if kind is not MobilityType.SEMESTER:
                raise LifecycleError(
                    f"a {kind.value} mobility takes no proposal after its first version is approved"
                )
            student_block = identity_changes(
                self.approved_student, la.student, also=self.unapproved_identity
            )
            if _same_tables(approved_tables, desired) and student_block is None:
                raise LifecycleError(
                    "nothing needing re-validation changed since the last approval: "
                    "use amend() for a minor amendment"
                )
        else:
            student_block = None
        proposal = build_changes_proposal(
            la.first_version,
            desired,
            student_signature=student_signature,
            sending_hei_signature=sending_hei_signature,
            reasons=reasons,
            previous=(la.changes_proposal, la.approved_changes),
            student=student_block,
        )
        new = dataclasses.replace(la, changes_proposal=proposal)
        state = dataclasses.replace(self, la=new, rejection=None)
        return Transition(state, (state.notification(),))

    def _current(self, proposal_id: str) -> None:
        current = self.proposal_id
        if current != proposal_id:
            raise StaleProposalError(
                f"changes-proposal {proposal_id!r} is not the current proposal "
                f"({current!r}); refresh the LA and decide again",
                expected=current,
                got=proposal_id,
            )
        if self.rejection is not None:
            raise LifecycleError(
                f"changes-proposal {proposal_id!r} was already commented; wait for a new proposal"
            )

    def approve(self, proposal_id: str, signature: Signature) -> Transition:
        """The receiving HEI signs the current proposal: it folds into the approved snapshot."""
        self._current(proposal_id)
        proposal = self.la.changes_proposal
        assert proposal is not None
        signed = ListOfComponents(
            **{name: getattr(proposal, name) for name in TABLE_FIELDS},
            student_signature=proposal.student_signature,
            sending_hei_signature=proposal.sending_hei_signature,
            receiving_hei_signature=signature,
        )
        if self.la.first_version is None:
            new = dataclasses.replace(self.la, first_version=signed, changes_proposal=None)
        else:
            new = dataclasses.replace(self.la, approved_changes=signed, changes_proposal=None)
        state = dataclasses.replace(
            self,
            la=new,
            approved_student=new.student,
            unapproved_identity=frozenset(),
            rejection=None,
        )
        return Transition(state, (state.notification(),))

    def comment(self, proposal_id: str, comment: str, signature: Signature) -> Transition:
        """The receiving HEI comments on (rejects) the current proposal; the document stays."""
        self._current(proposal_id)
        state = dataclasses.replace(
            self, rejection=ProposalComment(proposal_id, comment, signature)
        )
        return Transition(state)

    def apply_update(self, request: LasUpdateRequest) -> Transition:
        """Carry out an ``update`` request (the server side of ``approve`` / ``comment``).

        Raises :class:`~ewp_client.errors.LearningAgreementError` (a 400) when
        the request names another mobility or sending HEI.
        """
        action = request.action
        if (
            request.sending_hei_id != self.la.sending_hei.hei_id
            or action.omobility_id != self.la.omobility_id
        ):
            raise LearningAgreementError(
                f"the update is for {request.sending_hei_id}/{action.omobility_id}, "
                f"not {self.la.sending_hei.hei_id}/{self.la.omobility_id}"
            )
        if isinstance(action, ApproveProposalV1):
            return self.approve(action.changes_proposal_id, action.signature)
        assert isinstance(action, CommentProposalV1)
        return self.comment(action.changes_proposal_id, action.comment, action.signature)

    def amend(self, updated: LearningAgreement) -> Transition:
        """Apply a minor amendment in place (no new signatures), with a CNR once published.

        ``updated`` is the LA as it should now read. A change needing
        re-validation raises :class:`~ewp_client.errors.LifecycleError`; before
        any approval, student identity fields may still change in place.
        Signatures and the proposal id are never amended: they come from
        :meth:`propose` and :meth:`approve` (an id must change if and only if
        the proposal's content does, and a signature stands for what was signed).
        """
        touched = _signed_parts_changed(self.la, updated)
        if touched:
            raise LifecycleError(
                f"an amendment cannot change {', '.join(touched)}: signatures and the proposal "
                "id are set by propose() and approve()"
            )
        report = classify_amendment(self.la, updated)
        blocking = sorted(
            {
                c.path
                for c in report.changes
                if c.requires_revalidation
                and (
                    self.approved_student is not None or c.table is not ChangeTable.STUDENT_IDENTITY
                )
            }
        )
        if blocking:
            raise LifecycleError(f"a major amendment needs a new proposal ({', '.join(blocking)})")
        if report.kind is AmendmentKind.NONE:
            return Transition(self, (), report)
        state = dataclasses.replace(self, la=updated)
        notes = (state.notification(),) if self._published(updated) else ()
        return Transition(state, notes, report)


_SNAPSHOTS: Final = ("first_version", "approved_changes", "changes_proposal")
_SIGNATURES: Final = ("student_signature", "sending_hei_signature", "receiving_hei_signature")


def _signed_parts_changed(before: LearningAgreement, after: LearningAgreement) -> list[str]:
    """The signatures and proposal id that differ between two versions of an LA (as paths)."""
    changed = []
    for snapshot in _SNAPSHOTS:
        old: ListOfComponents | None = getattr(before, snapshot)
        new: ListOfComponents | None = getattr(after, snapshot)
        if old is None or new is None:
            continue  # a snapshot added or removed is a table change, classified as such
        for name in _SIGNATURES:
            if getattr(old, name) != getattr(new, name):
                changed.append(f"{snapshot.replace('_', '-')}/{name.replace('_', '-')}")
    old_id = before.changes_proposal.id if before.changes_proposal is not None else None
    new_id = after.changes_proposal.id if after.changes_proposal is not None else None
    if old_id is not None and new_id is not None and old_id != new_id:
        changed.append("changes-proposal/@id")
    return changed


def _same_tables(left: ComponentTables, right: ComponentTables) -> bool:
    return all(Counter(left.table(n)) == Counter(right.table(n)) for n in TABLE_FIELDS)
