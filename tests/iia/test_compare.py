"""``compare``: our copy and the partner's mirror agree; one changed condition is named."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from ewp_client.codec import decode, encode
from ewp_client.errors import IiaError, SchemaValidationError
from ewp_client.iia.compare import Disagreement, compare_copies, compare_iias
from ewp_client.models.common import StringWithOptionalLang
from ewp_client.models.contact import Contact
from ewp_client.models.iia import (
    Iia,
    IiasGetResponse,
    IscedFCode,
    MobilitiesPerYear,
    MobilitySpecification,
    StudentMobilitySpecification,
)


@pytest.fixture
def ours(reference_pack: Path) -> Iia:
    data = (reference_pack / "examples" / "iias-v7" / "get-response-example.xml").read_bytes()
    (iia,) = decode(data, IiasGetResponse).iias
    return iia


def mirror(iia: Iia) -> Iia:
    """The partner's copy: partners swapped, its own ids, code, contacts; mobilities reordered."""
    first, second = iia.partners
    someone = (Contact(contact_names=(StringWithOptionalLang(value="Someone Else"),)),)
    theirs = (
        dataclasses.replace(second, iia_id="THEIR-ID", iia_code="T-1", contacts=someone),
        dataclasses.replace(first, iia_code=None, contacts=()),
    )
    conditions = iia.cooperation_conditions
    reordered = dataclasses.replace(
        conditions,
        student_studies=tuple(
            dataclasses.replace(m, sending_contacts=someone) for m in conditions.student_studies
        ),
        staff_teachers=tuple(reversed(conditions.staff_teachers)),
    )
    return dataclasses.replace(
        iia,
        partners=theirs,
        cooperation_conditions=reordered,
        iia_hash="f" * 64,
        pdf_file=None,
    )


def test_a_copy_and_its_mirror_agree(ours: Iia) -> None:
    theirs = mirror(ours)
    assert theirs != ours
    assert compare_iias(ours, theirs).agree
    assert compare_copies(
        encode(IiasGetResponse(iias=(ours,))), encode(IiasGetResponse(iias=(theirs,)))
    ).agree


def _change_first(
    iia: Iia, kind: str, change: Callable[[MobilitySpecification], MobilitySpecification]
) -> Iia:
    conditions = iia.cooperation_conditions
    mobilities = getattr(conditions, kind)
    changed = (change(mobilities[0]), *mobilities[1:])
    fields: dict[str, Any] = {kind: changed}
    return dataclasses.replace(
        iia, cooperation_conditions=dataclasses.replace(conditions, **fields)
    )


STUDIES = (
    "cooperation-conditions/student-studies-mobility-spec[sending-hei-id='uw.edu.pl']"
    "[sending-ounit-id='140'][receiving-hei-id='hibo.no']"
)


def _replace(**fields: Any) -> Callable[[MobilitySpecification], MobilitySpecification]:
    return lambda m: dataclasses.replace(m, **fields)


def _first_area(**fields: Any) -> Callable[[MobilitySpecification], MobilitySpecification]:
    def change(m: MobilitySpecification) -> MobilitySpecification:
        area = dataclasses.replace(m.subject_areas[0], **fields)
        return dataclasses.replace(m, subject_areas=(area, *m.subject_areas[1:]))

    return change


def _first_skill(**fields: Any) -> Callable[[MobilitySpecification], MobilitySpecification]:
    def change(m: MobilitySpecification) -> MobilitySpecification:
        skill = dataclasses.replace(m.recommended_language_skills[0], **fields)
        return dataclasses.replace(
            m, recommended_language_skills=(skill, *m.recommended_language_skills[1:])
        )

    return change


CASES: list[tuple[str, Callable[[MobilitySpecification], MobilitySpecification], str]] = [
    ("mobilities-per-year", _replace(mobilities_per_year=MobilitiesPerYear(value="9")), "9"),
    (
        "receiving-last-academic-year-id",
        _replace(receiving_last_academic_year_id="2030/2031"),
        "2030/2031",
    ),
    (
        "receiving-first-academic-year-id",
        _replace(receiving_first_academic_year_id="2010/2011"),
        "2010/2011",
    ),
    ("total-months-per-year", _replace(total_months_per_year="11"), "11"),
    ("blended", _replace(blended="true"), "true"),
    ("eqf-level", _replace(eqf_levels=("6", "8")), "6, 8"),
    ("other-info-terms", _replace(other_info_terms="different terms"), "different terms"),
    ("subject-area[1]/isced-f-code", _first_area(isced_f_code=IscedFCode(value="0999")), "0999"),
    ("subject-area[1]/isced-clarification", _first_area(isced_clarification="Other"), "Other"),
    ("recommended-language-skill[1]/language", _first_skill(language="fr"), "fr"),
    ("recommended-language-skill[1]/cefr-level", _first_skill(cefr_level="A1"), "A1"),
]


@pytest.mark.parametrize(("field", "change", "theirs_value"), CASES, ids=[c[0] for c in CASES])
def test_one_changed_condition_is_named_exactly(
    ours: Iia,
    field: str,
    change: Callable[[MobilitySpecification], MobilitySpecification],
    theirs_value: str,
) -> None:
    theirs = _change_first(mirror(ours), "student_studies", change)
    (difference,) = compare_iias(ours, theirs).differences
    assert difference.path == f"{STUDIES}/{field}"
    assert difference.theirs == theirs_value
    assert difference.ours != difference.theirs


def test_same_meaning_written_differently_agrees(ours: Iia) -> None:
    def rewrite(m: MobilitySpecification) -> MobilitySpecification:
        assert isinstance(m, StudentMobilitySpecification)
        blended = "1" if m.is_blended else "0"
        months = f"{m.total_months_per_year}.0" if m.total_months_per_year else None
        return dataclasses.replace(
            m,
            blended=blended,
            total_months_per_year=months,
            eqf_levels=tuple(reversed(m.eqf_levels)),
            recommended_language_skills=tuple(reversed(m.recommended_language_skills)),
        )

    assert compare_iias(ours, _change_first(mirror(ours), "student_studies", rewrite)).agree


def test_a_mobility_without_a_match_is_a_difference(ours: Iia) -> None:
    theirs = _change_first(mirror(ours), "student_studies", _replace(sending_ounit_id=None))
    differences = compare_iias(ours, theirs).differences
    assert [(d.path, d.ours is None, d.theirs is None) for d in differences] == [
        (STUDIES, False, True),
        (
            "cooperation-conditions/student-studies-mobility-spec[sending-hei-id='uw.edu.pl']"
            "[receiving-hei-id='hibo.no']",
            True,
            False,
        ),
    ]


def test_partners_heis_and_units_are_compared(ours: Iia) -> None:
    theirs = mirror(ours)
    first, second = theirs.partners
    with_unit = dataclasses.replace(
        theirs, partners=(dataclasses.replace(first, ounit_id="U"), second)
    )
    assert compare_iias(ours, with_unit).differences == (
        Disagreement("partner[hei-id='hibo.no']/ounit-id", None, "U"),
    )
    other_hei = dataclasses.replace(
        theirs, partners=(dataclasses.replace(first, hei_id="x.example"), second)
    )
    assert compare_iias(ours, other_hei).differences[0] == Disagreement(
        "partner/hei-id", "hibo.no, uw.edu.pl", "uw.edu.pl, x.example"
    )


def test_terminated_as_a_whole_must_agree(ours: Iia) -> None:
    theirs = mirror(ours)
    conditions = dataclasses.replace(theirs.cooperation_conditions, terminated_as_a_whole=True)
    assert compare_iias(
        ours, dataclasses.replace(theirs, cooperation_conditions=conditions)
    ).differences == (Disagreement("cooperation-conditions/@terminated-as-a-whole", None, "true"),)


def test_invalid_documents_and_ambiguous_picks_are_refused(ours: Iia) -> None:
    good = encode(IiasGetResponse(iias=(ours,)))
    invalid = good.replace(b"<in-effect>", b"<unexpected/><in-effect>")
    with pytest.raises(SchemaValidationError):
        compare_copies(good, invalid)
    theirs = mirror(ours)
    unrelated = dataclasses.replace(
        theirs,
        partners=tuple(
            dataclasses.replace(p, iia_id=f"other-{i}") for i, p in enumerate(theirs.partners)
        ),
    )
    two = encode(IiasGetResponse(iias=(unrelated, theirs)))
    with pytest.raises(IiaError, match="holds 2 IIAs"):
        compare_copies(good, two)
    with pytest.raises(IiaError, match="no IIA with a partner iia-id 'nothing'"):
        compare_copies(good, two, iia_id="nothing")
    assert compare_copies(good, two, iia_id=ours.partners[0].iia_id).agree
