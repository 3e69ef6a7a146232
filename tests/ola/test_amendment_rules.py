"""One row per amendment rule: the kind, and the table / path of every change reported."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any

import pytest

from ewp_client.errors import LearningAgreementError
from ewp_client.models import (
    ComponentList,
    ComponentStatus,
    Gender,
    LearningAgreement,
    PhoneNumber,
    Student,
)
from ewp_client.ola import AmendmentKind, ChangeTable, classify_amendment
from ewp_client.ola.proposal import TABLE_FIELDS
from tests.ola.rich_la import TABLE_LETTER, rich_la, row

Mutation = Callable[[LearningAgreement], LearningAgreement]


def put(**changes: Any) -> Mutation:
    return lambda la: dataclasses.replace(la, **changes)


def hei(side: str, **changes: Any) -> Mutation:
    def apply(la: LearningAgreement) -> LearningAgreement:
        inst = getattr(la, side)
        return dataclasses.replace(la, **{side: dataclasses.replace(inst, **changes)})

    return apply


def contact(side: str, **changes: Any) -> Mutation:
    def apply(la: LearningAgreement) -> LearningAgreement:
        inst = getattr(la, side)
        person = dataclasses.replace(inst.contact_person, **changes)
        return dataclasses.replace(la, **{side: dataclasses.replace(inst, contact_person=person)})

    return apply


def student(**changes: Any) -> Mutation:
    return lambda la: dataclasses.replace(la, student=dataclasses.replace(la.student, **changes))


MINOR: list[tuple[str, Mutation, set[str]]] = [
    ("start-date", put(start_date=date(2026, 2, 15)), {"start-date"}),
    (
        "start as year-month",
        put(start_date=None, start_year_month="2026-02"),
        {"start-date", "start-year-month"},
    ),
    ("end-year-month", put(end_year_month="2026-07"), {"end-year-month"}),
    (
        "end as date",
        put(end_year_month=None, end_date=date(2026, 6, 30)),
        {"end-date", "end-year-month"},
    ),
    ("academic year", put(receiving_academic_year_id="2026/2027"), {"receiving-academic-year-id"}),
    ("eqf", put(eqf_level_studied_at_departure=7), {"eqf-level-studied-at-departure"}),
    ("isced code", put(isced_f_code="0542"), {"isced-f-code"}),
    ("isced clarification", put(isced_clarification="applied"), {"isced-clarification"}),
    (
        "learning outcomes url",
        put(learning_outcomes_url="https://r.example/lo"),
        {"learning-outcomes-url"},
    ),
    ("provisions url", put(provisions_url="https://r.example/p2"), {"provisions-url"}),
    ("sending ounit-id", hei("sending_hei", ounit_id="MATH"), {"sending-hei/ounit-id"}),
    (
        "receiving ounit-name",
        hei("receiving_hei", ounit_name="Physics"),
        {"receiving-hei/ounit-name"},
    ),
]
for side in ("sending_hei", "receiving_hei"):
    tag = side.replace("_", "-")
    MINOR += [
        (
            f"{tag} given-names",
            contact(side, given_names="Zoe"),
            {f"{tag}/contact-person/given-names"},
        ),
        (
            f"{tag} family-name",
            contact(side, family_name="Nowak"),
            {f"{tag}/contact-person/family-name"},
        ),
        (f"{tag} email", contact(side, email="zoe@example.org"), {f"{tag}/contact-person/email"}),
        (
            f"{tag} phone",
            contact(side, phone_number=PhoneNumber(e164="+4799999999")),
            {f"{tag}/contact-person/phone-number/e164"},
        ),
    ]
MINOR += [
    ("student citizenship", student(citizenship="NO"), {"student/citizenship"}),
    ("student gender", student(gender=Gender.NOT_APPLICABLE), {"student/gender"}),
    ("student email", student(email="ada@new.example.org"), {"student/email"}),
    (
        "language",
        lambda la: dataclasses.replace(
            la,
            student_language_skill=dataclasses.replace(la.student_language_skill, cefr_level="C1"),
        ),
        {"student-language-skill/cefr-level"},
    ),
]

IDENTITY: list[tuple[str, Mutation, str]] = [
    ("given-names", student(given_names="Ada Maria"), "student/given-names"),
    ("family-name", student(family_name="Lovelace"), "student/family-name"),
    (
        "global-id",
        student(global_id="urn:schac:personalUniqueCode:int:esi:x:43"),
        "student/global-id",
    ),
    ("birth-date", student(birth_date=date(2003, 4, 2)), "student/birth-date"),
]


@pytest.mark.parametrize(
    ("mutation", "paths"), [(m, p) for _, m, p in MINOR], ids=[n for n, _, _ in MINOR]
)
def test_minor_rules(mutation: Mutation, paths: set[str]) -> None:
    before = rich_la()
    report = classify_amendment(before, mutation(before))
    assert report.kind is AmendmentKind.MINOR
    assert {c.path for c in report.changes} == paths
    assert all(
        c.table is ChangeTable.HEADER and not c.requires_revalidation for c in report.changes
    )
    assert all(c.before != c.after for c in report.changes)


@pytest.mark.parametrize(
    ("mutation", "path"), [(m, p) for _, m, p in IDENTITY], ids=[n for n, _, _ in IDENTITY]
)
def test_student_identity_rules_are_major(mutation: Mutation, path: str) -> None:
    before = rich_la()
    report = classify_amendment(before, mutation(before))
    assert report.kind is AmendmentKind.MAJOR
    [change] = report.changes
    assert (change.table, change.path, change.requires_revalidation) == (
        ChangeTable.STUDENT_IDENTITY,
        path,
        True,
    )


BLOCKS = ("first_version", "approved_changes", "changes_proposal")
LIST_CASES = [(b, n) for b in BLOCKS for n in TABLE_FIELDS]


def _edit_list(
    la: LearningAgreement, block: str, name: str, rows: tuple[Any, ...]
) -> LearningAgreement:
    snapshot = getattr(la, block)
    new = dataclasses.replace(snapshot, **{name: ComponentList(components=rows)})
    return dataclasses.replace(la, **{block: new})


def _rows(la: LearningAgreement, block: str, name: str) -> tuple[Any, ...]:
    table = getattr(getattr(la, block), name)
    return tuple(table.components)


def _status(block: str) -> ComponentStatus | None:
    return None if block == "first_version" else ComponentStatus.INSERTED


@pytest.mark.parametrize(("block", "name"), LIST_CASES, ids=[f"{b}-{n}" for b, n in LIST_CASES])
def test_component_insertion_is_major(block: str, name: str) -> None:
    before = rich_la()
    added = row("Added course", status=_status(block))
    after = _edit_list(before, block, name, (*_rows(before, block, name), added))
    report = classify_amendment(before, after)
    assert report.kind is AmendmentKind.MAJOR
    [change] = report.changes
    prefix = f"{block.replace('_', '-')}/{name.replace('_', '-')}"
    assert change.table is ChangeTable(TABLE_LETTER[name])
    assert change.path == f'{prefix}/component[title="Added course"]'
    assert change.before is None
    assert change.after is not None
    assert "Added course" in change.after
    assert change.requires_revalidation


@pytest.mark.parametrize(("block", "name"), LIST_CASES, ids=[f"{b}-{n}" for b, n in LIST_CASES])
def test_component_deletion_is_major(block: str, name: str) -> None:
    before = rich_la()
    after = _edit_list(before, block, name, ())
    report = classify_amendment(before, after)
    assert report.kind is AmendmentKind.MAJOR
    [change] = report.changes
    assert change.table is ChangeTable(TABLE_LETTER[name])
    assert change.after is None
    assert change.before is not None


@pytest.mark.parametrize(("block", "name"), LIST_CASES, ids=[f"{b}-{n}" for b, n in LIST_CASES])
def test_modified_component_is_a_deletion_plus_an_insertion(block: str, name: str) -> None:
    before = rich_la()
    [old] = _rows(before, block, name)
    new = dataclasses.replace(
        old, credits=(dataclasses.replace(old.credits[0], value=old.credits[0].value + 1),)
    )
    report = classify_amendment(before, _edit_list(before, block, name, (new,)))
    assert report.kind is AmendmentKind.MAJOR
    deleted, inserted = report.changes
    assert (deleted.after, inserted.before) == (None, None)
    assert "credit[1]/value=5" in (deleted.before or "")
    assert "credit[1]/value=6" in (inserted.after or "")
    assert deleted.path == inserted.path


def test_reordering_components_is_no_amendment() -> None:
    before = rich_la()
    rows = (row("x"), row("y"))
    a = _edit_list(before, "first_version", "components_studied", rows)
    b = _edit_list(before, "first_version", "components_studied", rows[::-1])
    assert classify_amendment(a, b).kind is AmendmentKind.NONE


def test_proposal_student_block_is_major() -> None:
    before = rich_la()
    proposal = before.changes_proposal
    assert proposal is not None
    after = dataclasses.replace(
        before,
        changes_proposal=dataclasses.replace(proposal, student=Student(family_name="Lovelace")),
    )
    report = classify_amendment(before, after)
    assert report.kind is AmendmentKind.MAJOR
    [change] = report.changes
    assert (change.table, change.path, change.after) == (
        ChangeTable.STUDENT_IDENTITY,
        "changes-proposal/student/family-name",
        "Lovelace",
    )


def test_signatures_and_proposal_id_alone_are_no_amendment() -> None:
    before = rich_la()
    first, proposal = before.first_version, before.changes_proposal
    assert first is not None
    assert proposal is not None
    later = dataclasses.replace(
        first.student_signature, timestamp=datetime(2030, 1, 1) + timedelta()
    )
    after = dataclasses.replace(
        before,
        first_version=dataclasses.replace(first, student_signature=later),
        changes_proposal=dataclasses.replace(proposal, id="other", sending_hei_signature=later),
    )
    report = classify_amendment(before, after)
    assert (report.kind, report.changes) == (AmendmentKind.NONE, ())


@pytest.mark.parametrize(
    "mutation",
    [
        put(omobility_id="om-other"),
        hei("sending_hei", hei_id="x.example"),
        hei("receiving_hei", hei_id="y.example"),
    ],
    ids=["omobility-id", "sending hei-id", "receiving hei-id"],
)
def test_immutable_fields_are_not_an_amendment(mutation: Mutation) -> None:
    before = rich_la()
    with pytest.raises(LearningAgreementError, match="immutable"):
        classify_amendment(before, mutation(before))


def test_minor_and_major_together_is_major_and_names_both() -> None:
    before = rich_la()
    after = student(given_names="Eve")(put(start_date=date(2026, 3, 1))(before))
    report = classify_amendment(before, after)
    assert report.kind is AmendmentKind.MAJOR
    assert [(c.path, c.requires_revalidation) for c in report.changes] == [
        ("start-date", False),
        ("student/given-names", True),
    ]
