"""Building a ``changes-proposal`` and deriving its ``id``.

Before the first version is approved, a proposal lists the full component
tables (no ``status``). After it, a proposal is *cumulative*: it lists every
change since the ``first-version`` (components marked ``deleted`` or
``inserted``), so that on approval it simply replaces ``approved-changes``.
A modified component is a deletion plus an insertion.

The proposal ``id`` must change if and only if the proposal's content
changes. :func:`proposal_id` hashes a canonical form: the model written by our
codec (so source prefixes, indentation and lexical variants of the same value
do not matter), without the ``id`` attribute, in Exclusive XML
Canonicalization.
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Final, TypeVar, cast

from lxml import etree

from ..codec import encode_element
from ..errors import LearningAgreementError
from ..models.la import (
    TABLE_FIELDS,
    ChangesProposal,
    ComponentList,
    ComponentStatus,
    LaComponent,
    LearningAgreement,
    ListOfComponents,
    ReasonCode,
    Signature,
    Student,
    TableName,
)
from ..namespaces import LAS_GET_NS

__all__ = [
    "ALLOWED_REASON_CODES",
    "IDENTITY_FIELDS",
    "TABLE_FIELDS",
    "ChangeReason",
    "ComponentTables",
    "apply_changes",
    "bare_component",
    "build_changes_proposal",
    "canonical_proposal",
    "current_tables",
    "identity_changes",
    "proposal_id",
]

#: Student fields whose change needs the receiving HEI's approval (the proposal's ``student``).
IDENTITY_FIELDS: Final = ("given_names", "family_name", "global_id", "birth_date")

#: Which reason codes the spec allows for which component status.
ALLOWED_REASON_CODES: Final[Mapping[ComponentStatus, frozenset[ReasonCode]]] = {
    ComponentStatus.DELETED: frozenset(
        {ReasonCode.NOT_AVAILABLE, ReasonCode.LANGUAGE_MISMATCH, ReasonCode.TIMETABLE_CONFLICT}
    ),
    ComponentStatus.INSERTED: frozenset(
        {
            ReasonCode.SUBSTITUTING_DELETED,
            ReasonCode.EXTENDING_MOBILITY,
            ReasonCode.ADDING_VIRTUAL_COMPONENT,
        }
    ),
}


@dataclass(frozen=True, kw_only=True, slots=True)
class ComponentTables:
    """The full component tables of one state of an LA (no statuses, no signatures)."""

    components_studied: tuple[LaComponent, ...] = ()
    components_recognized: tuple[LaComponent, ...] = ()
    virtual_components: tuple[LaComponent, ...] = ()
    blended_mobility_components: tuple[LaComponent, ...] = ()
    short_term_doctoral_components: tuple[LaComponent, ...] = ()

    @classmethod
    def of(cls, snapshot: ListOfComponents) -> ComponentTables:
        """The tables a snapshot lists, each component without status or reason."""
        return cls(
            **{
                name: tuple(bare_component(c) for c in _components(snapshot, name))
                for name in TABLE_FIELDS
            }
        )

    def table(self, name: TableName) -> tuple[LaComponent, ...]:
        """The components of table ``name`` (as :meth:`ListOfComponents.table` reads a snapshot)."""
        value: tuple[LaComponent, ...] = getattr(self, name)
        return value


@dataclass(frozen=True, slots=True)
class ChangeReason:
    """Why a component is inserted or deleted: a spec code, a free text, or both."""

    code: ReasonCode | None = None
    text: str | None = None


def bare_component(component: LaComponent) -> LaComponent:
    """The component without ``status``, ``reason-code`` and ``reason-text``."""
    return dataclasses.replace(component, status=None, reason_code=None, reason_text=None)


def _components(snapshot: ListOfComponents | None, name: TableName) -> tuple[LaComponent, ...]:
    return () if snapshot is None else snapshot.table(name)


def apply_changes(base: ComponentTables, changes: ListOfComponents) -> ComponentTables:
    """``base`` with a cumulative list of changes applied (deletions removed, insertions added).

    Raises :class:`~ewp_client.errors.LearningAgreementError` when a change has
    no status or deletes a component ``base`` does not hold.
    """
    result: dict[str, tuple[LaComponent, ...]] = {}
    for name in TABLE_FIELDS:
        rows = list(base.table(name))
        for component in _components(changes, name):
            plain = bare_component(component)
            if component.status is ComponentStatus.DELETED:
                if plain not in rows:
                    raise LearningAgreementError(
                        f"{name}: deleted component {component.title!r} is not in the base version"
                    )
                rows.remove(plain)
            elif component.status is ComponentStatus.INSERTED:
                rows.append(plain)
            else:
                raise LearningAgreementError(
                    f"{name}: component {component.title!r} of a change list has no status"
                )
        result[name] = tuple(rows)
    return ComponentTables(**result)


def current_tables(la: LearningAgreement) -> ComponentTables | None:
    """The latest approved tables (first version plus approved changes), if any."""
    if la.first_version is None:
        return None
    base = ComponentTables.of(la.first_version)
    if la.approved_changes is None:
        return base
    return apply_changes(base, la.approved_changes)


def identity_changes(
    approved: Student | None, current: Student, *, also: Iterable[str] = ()
) -> Student | None:
    """The proposal's ``student`` block: identity fields changed since the last approval.

    ``also`` names fields known to have changed since then although their
    approved values are not known (they are listed with their current values).
    """
    if approved is None:
        return None
    listed = frozenset(also)
    changed = {
        name: getattr(current, name)
        for name in IDENTITY_FIELDS
        if name in listed or getattr(current, name) != getattr(approved, name)
    }
    return Student(**changed) if changed else None


def _difference(left: Sequence[LaComponent], right: Sequence[LaComponent]) -> list[LaComponent]:
    """Components of ``left`` not matched by one in ``right`` (multiset difference, in order)."""
    spare = Counter(right)
    out = []
    for component in left:
        if spare[component] > 0:
            spare[component] -= 1
        else:
            out.append(component)
    return out


def _checked(reason: ChangeReason, status: ComponentStatus, title: str) -> ChangeReason:
    if reason.code is not None and reason.code not in ALLOWED_REASON_CODES[status]:
        raise LearningAgreementError(
            f"reason-code {reason.code.value!r} is not allowed for a {status.value} component "
            f"({title!r}); give a reason-text instead"
        )
    return reason


def _previous_reasons(
    name: TableName, previous: Iterable[ListOfComponents]
) -> dict[tuple[ComponentStatus, LaComponent], ChangeReason]:
    found: dict[tuple[ComponentStatus, LaComponent], ChangeReason] = {}
    for snapshot in previous:
        for c in _components(snapshot, name):
            if c.status is not None:
                found.setdefault(
                    (c.status, bare_component(c)),
                    ChangeReason(c.known_reason_code, c.reason_text),
                )
    return found


def _changes(
    name: TableName,
    base: Sequence[LaComponent],
    desired: Sequence[LaComponent],
    reasons: Mapping[LaComponent, ChangeReason],
    previous: Iterable[ListOfComponents],
) -> tuple[LaComponent, ...]:
    carried = _previous_reasons(name, previous)
    out = []
    for status, rows in (
        (ComponentStatus.DELETED, _difference(base, desired)),
        (ComponentStatus.INSERTED, _difference(desired, base)),
    ):
        for component in rows:
            reason = reasons.get(component) or carried.get((status, component)) or ChangeReason()
            reason = _checked(reason, status, component.title)
            out.append(
                dataclasses.replace(
                    component, status=status, reason_code=reason.code, reason_text=reason.text
                )
            )
    return tuple(out)


def build_changes_proposal(
    first_version: ListOfComponents | None,
    desired: ComponentTables,
    *,
    student_signature: Signature,
    sending_hei_signature: Signature,
    reasons: Mapping[LaComponent, ChangeReason] | None = None,
    previous: Sequence[ListOfComponents | None] = (),
    student: Student | None = None,
) -> ChangesProposal:
    """The ``changes-proposal`` that takes the LA from ``first_version`` to ``desired``.

    Without a first version the proposal lists the desired tables in full.
    With one, it lists the cumulative changes since it. ``reasons`` gives the
    reason of a change by the (bare) component it inserts or deletes; a change
    already present in a ``previous`` snapshot (the approved changes, the
    current proposal) keeps the reason given there. A reason code the spec
    does not allow for the change's status raises
    :class:`~ewp_client.errors.LearningAgreementError`. The ``id`` is
    :func:`proposal_id` of the result.
    """
    given = reasons or {}
    earlier = [p for p in previous if p is not None]
    tables: dict[str, ComponentList | None] = {}
    for name in TABLE_FIELDS:
        wanted = tuple(bare_component(c) for c in desired.table(name))
        if first_version is None:
            rows = wanted
        else:
            base = ComponentTables.of(first_version).table(name)
            rows = _changes(name, base, wanted, given, earlier)
        tables[name] = ComponentList(components=rows) if rows else None
    draft = ChangesProposal(
        id="",
        components_studied=tables["components_studied"],
        components_recognized=tables["components_recognized"],
        virtual_components=tables["virtual_components"],
        blended_mobility_components=tables["blended_mobility_components"],
        short_term_doctoral_components=tables["short_term_doctoral_components"],
        student_signature=student_signature,
        sending_hei_signature=sending_hei_signature,
        student=student,
    )
    return dataclasses.replace(draft, id=proposal_id(draft))


@dataclass(frozen=True, kw_only=True, slots=True)
class _ProposalElement(ChangesProposal):
    """A changes proposal written as an element of its own (for the canonical form)."""

    class Meta:
        name = "changes-proposal"
        namespace = LAS_GET_NS


_T = TypeVar("_T")


def _canonical_value(value: _T) -> _T:
    """``value`` with every decimal and instant in one lexical form.

    Models that compare equal must give the same id: ``Decimal("6.0")`` equals
    ``Decimal("6")`` and a timestamp equals the same instant in another
    offset, but our codec writes each as given.
    """
    result: object = value
    if isinstance(value, Decimal):
        result = Decimal(format(value.normalize(), "f")) if value.is_finite() else value
    elif isinstance(value, datetime):
        result = value if value.tzinfo is None else value.astimezone(UTC)
    elif isinstance(value, tuple):
        result = tuple(_canonical_value(v) for v in value)
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        result = dataclasses.replace(
            value,
            **{f.name: _canonical_value(getattr(value, f.name)) for f in dataclasses.fields(value)},
        )
    return cast(_T, result)


def canonical_proposal(proposal: ChangesProposal) -> bytes:
    """The Exclusive C14N of the proposal as our codec writes it, without its ``id``.

    Decimals are written without trailing zeros and timestamps in UTC, so that
    lexical variants of the same value give the same form.
    """
    canonical = _canonical_value(proposal)
    fields = {f.name: getattr(canonical, f.name) for f in dataclasses.fields(ChangesProposal)}
    element = encode_element(_ProposalElement(**fields))
    element.attrib.pop("id", None)
    return etree.tostring(element, method="c14n", exclusive=True, with_comments=False)


def proposal_id(proposal: ChangesProposal) -> str:
    """The id this library gives ``proposal``: SHA-256 (hex) of :func:`canonical_proposal`."""
    return hashlib.sha256(canonical_proposal(proposal)).hexdigest()
