"""From two versions of an LA to the ``changes-proposal`` between them.

What a sending HEI's developer has at hand is the LA as last approved (or as
served now) and the LA as the student and the coordinator edited it;
:func:`changes_proposal_between` turns the pair into the proposal to publish.
It runs the same rules as :meth:`~ewp_client.ola.SendingLa.propose` (it is
built on it): a proposal is cumulative since the first version, reasons
already given are carried over, identity changes of the student go into the
proposal's ``student``, blended and short-term doctoral mobilities take no
proposal after their first approval, and a change needing no re-validation is
refused (it is a minor amendment: :meth:`~ewp_client.ola.SendingLa.amend`).

The spec says each inserted or deleted component SHOULD give its reason (a
``reason-code``, a ``reason-text`` or both). A change without any is allowed
but unhelpful to the receiving HEI, so each one is reported as a
:class:`MissingReasonWarning`; :func:`unexplained_changes` lists them for
code that checks instead of warning.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from dataclasses import dataclass

from ..models.la import (
    ChangesProposal,
    ComponentStatus,
    LaComponent,
    LearningAgreement,
    ListOfComponents,
    Signature,
    TableName,
)
from .amendments import classify_amendment
from .lifecycle import SendingLa
from .proposal import ChangeReason, ComponentTables, apply_changes, bare_component, current_tables

__all__ = [
    "MissingReasonWarning",
    "UnexplainedChange",
    "changes_proposal_between",
    "latest_tables",
    "unexplained_changes",
]


@dataclass(frozen=True, slots=True)
class UnexplainedChange:
    """An inserted or deleted component that gives neither a known reason code nor a text."""

    table: TableName
    status: ComponentStatus
    component: LaComponent

    def __str__(self) -> str:
        return (
            f"{self.table}: {self.status.value} component {self.component.title!r} "
            "gives no reason (reason-code or reason-text)"
        )


class MissingReasonWarning(UserWarning):
    """A changes proposal inserts or deletes a component without saying why.

    ``change`` names the table, the status and the component.
    """

    def __init__(self, change: UnexplainedChange) -> None:
        super().__init__(str(change))
        self.change = change


def unexplained_changes(snapshot: ListOfComponents) -> tuple[UnexplainedChange, ...]:
    """The changes of ``snapshot`` (components with a status) that give no reason.

    A reason code this library does not know counts as none, as the spec says
    to treat it.
    """
    return tuple(
        UnexplainedChange(name, component.status, component)
        for name, components in snapshot.tables()
        for component in components
        if component.status is not None
        and component.known_reason_code is None
        and not (component.reason_text or "").strip()
    )


def latest_tables(la: LearningAgreement) -> ComponentTables:
    """The component tables of ``la``'s latest version.

    The pending proposal's when there is one (in full before the first
    approval, else applied to the first version), otherwise the approved
    tables (first version plus approved changes), otherwise none.
    """
    proposal = la.changes_proposal
    if proposal is not None:
        if la.first_version is None:
            return ComponentTables.of(proposal)
        return apply_changes(ComponentTables.of(la.first_version), proposal)
    return current_tables(la) or ComponentTables()


def _reasons_in(la: LearningAgreement) -> dict[LaComponent, ChangeReason]:
    """The reasons an edited LA gives for its changes, by bare component."""
    found: dict[LaComponent, ChangeReason] = {}
    for snapshot in (la.changes_proposal, la.approved_changes):
        if snapshot is None:
            continue
        for _name, components in snapshot.tables():
            for component in components:
                reason = ChangeReason(component.known_reason_code, component.reason_text)
                if component.status is not None and reason != ChangeReason():
                    found.setdefault(bare_component(component), reason)
    return found


def changes_proposal_between(
    approved: LearningAgreement,
    edited: LearningAgreement | ComponentTables,
    *,
    student_signature: Signature,
    sending_hei_signature: Signature,
    reasons: Mapping[LaComponent, ChangeReason] | None = None,
) -> ChangesProposal:
    """The ``changes-proposal`` taking ``approved`` to ``edited``, with its id.

    ``approved`` is the LA as served now (its first version, approved
    changes, and pending proposal if any). ``edited`` is the LA as it should
    read (its :func:`latest_tables` are wanted, and its student's identity
    fields), or just the wanted tables. ``reasons`` gives the reason of a
    change by the (bare) component inserted or deleted; reasons the edited
    LA's own proposal or approved changes give, and those ``approved``
    already gives, are used for changes ``reasons`` does not cover. Header
    fields (dates, contacts...) are minor amendments and not part of a proposal.

    Raises :class:`~ewp_client.errors.LearningAgreementError` when the two are
    not versions of one LA, or a reason code is not allowed for its change,
    and :class:`~ewp_client.errors.LifecycleError` when the LA takes no
    proposal now (see the module docstring). Warns with a
    :class:`MissingReasonWarning` for each change that gives no reason.
    """
    given: dict[LaComponent, ChangeReason] = {}
    student = None
    if isinstance(edited, LearningAgreement):
        classify_amendment(approved, edited)  # refuses two different mobilities
        desired = latest_tables(edited)
        student = edited.student
        given.update(_reasons_in(edited))
    else:
        desired = edited
    given.update({bare_component(c): r for c, r in (reasons or {}).items()})
    step = SendingLa.published(approved).propose(
        desired,
        student_signature=student_signature,
        sending_hei_signature=sending_hei_signature,
        reasons=given,
        student=student,
    )
    proposal = step.state.la.changes_proposal
    assert proposal is not None  # propose() always leaves one
    for change in unexplained_changes(proposal):
        warnings.warn(MissingReasonWarning(change), stacklevel=2)
    return proposal
