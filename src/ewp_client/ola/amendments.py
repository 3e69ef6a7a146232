"""Classifying the difference between two versions of a learning agreement.

The rule EWP partners apply (Dashboard 5.0 and the LA business requirements):

- a **major** amendment needs the three parties to sign again: any change in a
  component table (A ``components-studied``, B ``components-recognized``,
  C ``virtual-components``, the blended and short-term doctoral lists) of any
  snapshot (``first-version``, ``approved-changes``, ``changes-proposal``),
  and any change of the student's ``given-names``, ``family-name``,
  ``global-id`` or ``birth-date`` (these go into the proposal's ``student``);
- a **minor** amendment is everything else (dates, contact persons, other
  student fields, units, ISCED / EQF, language skill, academic year, URLs):
  the sending HEI edits its copy and sends a CNR, nobody signs again.

A modified component is reported as a deletion plus an insertion, as the
schema models it. Signatures and the proposal ``id`` are not content: a change
in them alone is no amendment. ``omobility-id`` and the two ``hei-id`` are
immutable; two documents that differ there are not versions of one LA.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import Enum, StrEnum
from typing import Any, Final

from ..errors import LearningAgreementError
from ..models._meta import XML_KEY
from ..models.la import (
    TABLE_FIELDS,
    ChangesProposal,
    LaComponent,
    LearningAgreement,
    ListOfComponents,
    TableName,
)
from .proposal import IDENTITY_FIELDS

__all__ = [
    "AmendmentKind",
    "AmendmentReport",
    "Change",
    "ChangeTable",
    "classify_amendment",
    "describe_component",
]


class AmendmentKind(StrEnum):
    """How much re-validation a change of an LA needs."""

    NONE = "none"
    MINOR = "minor"
    MAJOR = "major"


class ChangeTable(StrEnum):
    """Where in the LA a change lies."""

    A = "A"
    B = "B"
    C = "C"
    BLENDED = "blended"
    DOCTORAL = "doctoral"
    STUDENT_IDENTITY = "student identity"
    HEADER = "header"


_TABLE_OF_LIST: Final = dict(
    zip(
        TABLE_FIELDS,
        (ChangeTable.A, ChangeTable.B, ChangeTable.C, ChangeTable.BLENDED, ChangeTable.DOCTORAL),
        strict=True,
    )
)
_SNAPSHOTS: Final = ("first_version", "approved_changes", "changes_proposal")
_NOT_HEADER: Final = frozenset({"omobility_id", "student", *_SNAPSHOTS})


@dataclass(frozen=True, slots=True)
class Change:
    """One changed field or component: ``before`` / ``after`` are ``None`` when absent."""

    table: ChangeTable
    path: str
    before: str | None
    after: str | None
    requires_revalidation: bool

    def to_json(self) -> dict[str, Any]:
        return {
            "table": self.table.value,
            "path": self.path,
            "before": self.before,
            "after": self.after,
            "requires_revalidation": self.requires_revalidation,
        }


@dataclass(frozen=True, slots=True)
class AmendmentReport:
    """The kind of an amendment and every change it is made of, in document order."""

    kind: AmendmentKind
    changes: tuple[Change, ...]

    @property
    def requires_revalidation(self) -> bool:
        return self.kind is AmendmentKind.MAJOR

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind.value, "changes": [c.to_json() for c in self.changes]}


def _xml_name(f: dataclasses.Field[Any]) -> str:
    meta = f.metadata.get(XML_KEY)
    name = meta[1] if meta else None
    return str(name) if name else f.name.replace("_", "-")


def _text(value: object) -> str:
    if isinstance(value, Enum):
        return str(value.value)
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value)


def _leaves(value: object, path: str) -> Iterator[tuple[str, str]]:
    """``(path, text)`` of every leaf value under ``value`` (absent values yield nothing)."""
    if value is None:
        return
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        for f in dataclasses.fields(value):
            yield from _leaves(getattr(value, f.name), f"{path}/{_xml_name(f)}".lstrip("/"))
    elif isinstance(value, tuple):
        for i, item in enumerate(value, start=1):
            yield from _leaves(item, f"{path}[{i}]")
    else:
        yield path, _text(value)


def _field_changes(before: object, after: object, prefix: str, table_of: Any) -> Iterator[Change]:
    """Leaf-by-leaf changes between two values of one model type."""
    old = dict(_leaves(before, prefix))
    new = dict(_leaves(after, prefix))
    for path in list(old) + [p for p in new if p not in old]:
        if old.get(path) != new.get(path):
            table: ChangeTable = table_of(path)
            major = table is ChangeTable.STUDENT_IDENTITY
            yield Change(table, path, old.get(path), new.get(path), major)


def describe_component(component: LaComponent) -> str:
    """A one-line rendering of every field of a component (title first)."""
    parts = [component.title]
    for path, text in _leaves(component, ""):
        if path != "title":
            parts.append(f"{path}={text}")
    return "; ".join(parts)


def _component_path(block: str, name: str, component: LaComponent) -> str:
    title = component.title.replace('"', "'")
    return f'{block}/{name.replace("_", "-")}/component[title="{title}"]'


def _component_changes(
    block: str, name: TableName, before: Sequence[LaComponent], after: Sequence[LaComponent]
) -> Iterator[Change]:
    table = _TABLE_OF_LIST[name]
    spare_after = Counter(after)
    spare_before = Counter(before)
    for component in before:
        if spare_after[component] > 0:
            spare_after[component] -= 1
        else:
            path = _component_path(block, name, component)
            yield Change(table, path, describe_component(component), None, True)
    for component in after:
        if spare_before[component] > 0:
            spare_before[component] -= 1
        else:
            path = _component_path(block, name, component)
            yield Change(table, path, None, describe_component(component), True)


def _list(snapshot: ListOfComponents | None, name: TableName) -> tuple[LaComponent, ...]:
    return () if snapshot is None else snapshot.table(name)


def _snapshot_changes(before: LearningAgreement, after: LearningAgreement) -> Iterator[Change]:
    for attr in _SNAPSHOTS:
        old: ListOfComponents | None = getattr(before, attr)
        new: ListOfComponents | None = getattr(after, attr)
        block = attr.replace("_", "-")
        for name in TABLE_FIELDS:
            yield from _component_changes(block, name, _list(old, name), _list(new, name))
        if attr == "changes_proposal":
            old_student = old.student if isinstance(old, ChangesProposal) else None
            new_student = new.student if isinstance(new, ChangesProposal) else None
            yield from _field_changes(
                old_student,
                new_student,
                f"{block}/student",
                lambda _path: ChangeTable.STUDENT_IDENTITY,
            )


_IDENTITY_PATHS: Final = frozenset(f"student/{n.replace('_', '-')}" for n in IDENTITY_FIELDS)


def _student_table(path: str) -> ChangeTable:
    return ChangeTable.STUDENT_IDENTITY if path in _IDENTITY_PATHS else ChangeTable.HEADER


def _header_changes(before: LearningAgreement, after: LearningAgreement) -> Iterator[Change]:
    for f in dataclasses.fields(LearningAgreement):
        if f.name in _NOT_HEADER:
            continue
        yield from _field_changes(
            getattr(before, f.name),
            getattr(after, f.name),
            _xml_name(f),
            lambda _path: ChangeTable.HEADER,
        )
    yield from _field_changes(before.student, after.student, "student", _student_table)


def _check_same_mobility(before: LearningAgreement, after: LearningAgreement) -> None:
    pairs = (
        ("omobility-id", before.omobility_id, after.omobility_id),
        ("sending-hei/hei-id", before.sending_hei.hei_id, after.sending_hei.hei_id),
        ("receiving-hei/hei-id", before.receiving_hei.hei_id, after.receiving_hei.hei_id),
    )
    for path, old, new in pairs:
        if old != new:
            raise LearningAgreementError(
                f"{path} is immutable ({old!r} != {new!r}): not two versions of one LA"
            )


def classify_amendment(before: LearningAgreement, after: LearningAgreement) -> AmendmentReport:
    """Classify the change from ``before`` to ``after`` and list every changed field.

    Raises :class:`~ewp_client.errors.LearningAgreementError` when the two
    documents differ in an immutable field (``omobility-id``, ``hei-id``).
    """
    _check_same_mobility(before, after)
    changes = tuple(_header_changes(before, after)) + tuple(_snapshot_changes(before, after))
    if not changes:
        kind = AmendmentKind.NONE
    elif any(c.requires_revalidation for c in changes):
        kind = AmendmentKind.MAJOR
    else:
        kind = AmendmentKind.MINOR
    return AmendmentReport(kind, changes)
