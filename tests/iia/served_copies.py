"""Two HEIs' copies of one agreement, as models, for the approval and IIA client tests.

:func:`copy_of` writes one side's copy (its HEI first, as the serving HEI
must); :func:`served` renders copies as a get response with every
``iia-hash`` computed by the library (``render_get_response``); the
``with_*`` helpers break one rule at a time.
"""

from __future__ import annotations

import dataclasses

from lxml import etree

from ewp_client.models import (
    CooperationConditions,
    Iia,
    IiaPartner,
    IscedFCode,
    MobilitiesPerYear,
    RecommendedLanguageSkill,
    StaffTeacherMobilitySpec,
    StudentStudiesMobilitySpec,
    SubjectArea,
)
from ewp_client.namespaces import IIAS_V7_GET_NS
from ewp_client.server.iias import render_get_response
from ewp_client.xml import parse_xml

NORTH = "north.example.org"
SOUTH = "south.example.org"


def conditions(
    *, months: str = "5", not_yet_defined: bool = False, v6_value: str | None = None
) -> CooperationConditions:
    """Students North -> South for studies, and South's teachers to North."""
    return CooperationConditions(
        student_studies=(
            StudentStudiesMobilitySpec(
                sending_hei_id=NORTH,
                receiving_hei_id=SOUTH,
                receiving_first_academic_year_id="2025/2026",
                receiving_last_academic_year_id="2028/2029",
                mobilities_per_year=MobilitiesPerYear(
                    value="4", not_yet_defined=True if not_yet_defined else None
                ),
                recommended_language_skills=(
                    RecommendedLanguageSkill(language="en", cefr_level="B2"),
                ),
                subject_areas=(
                    SubjectArea(isced_f_code=IscedFCode(value="0613", v6_value=v6_value)),
                ),
                total_months_per_year=months,
                blended="false",
                eqf_levels=("6", "7"),
            ),
        ),
        staff_teachers=(
            StaffTeacherMobilitySpec(
                sending_hei_id=SOUTH,
                receiving_hei_id=NORTH,
                receiving_first_academic_year_id="2025/2026",
                receiving_last_academic_year_id="2026/2027",
                mobilities_per_year=MobilitiesPerYear(value="2"),
                recommended_language_skills=(
                    RecommendedLanguageSkill(language="fr", cefr_level="C1"),
                ),
                total_days_per_year="5",
            ),
        ),
    )


def copy_of(hei: str, own_id: str, other: str, other_id: str | None, **options: object) -> Iia:
    """``hei``'s copy: itself first with ``own_id``, then ``other`` (``other_id`` once mapped)."""
    return Iia(
        partners=(IiaPartner(hei_id=hei, iia_id=own_id), IiaPartner(hei_id=other, iia_id=other_id)),
        in_effect=True,
        cooperation_conditions=conditions(**options),  # type: ignore[arg-type]
        iia_hash="0" * 64,
    )


def north(north_id: str = "n-1", south_id: str | None = "s-1", **options: object) -> Iia:
    return copy_of(NORTH, north_id, SOUTH, south_id, **options)


def south(south_id: str = "s-1", north_id: str | None = "n-1", **options: object) -> Iia:
    return copy_of(SOUTH, south_id, NORTH, north_id, **options)


def served(*iias: Iia) -> bytes:
    return render_get_response(iias)


_DECLARED = f"{{{IIAS_V7_GET_NS}}}iia/{{{IIAS_V7_GET_NS}}}iia-hash"


def declared_hashes(document: bytes) -> list[str]:
    return [str(e.text) for e in parse_xml(document).getroot().iterfind(_DECLARED)]


def with_declared_hash(document: bytes, value: str) -> bytes:
    """``document`` with the first ``<iia>`` declaring ``value`` as its iia-hash."""
    tree = parse_xml(document)
    element = tree.getroot().find(_DECLARED)
    assert element is not None
    element.text = value
    return etree.tostring(tree, xml_declaration=True, encoding="UTF-8")


def months_changed(iia: Iia, months: str) -> Iia:
    """``iia`` with the studies mobility's months per year changed (a hashed field)."""
    spec = dataclasses.replace(
        iia.cooperation_conditions.student_studies[0], total_months_per_year=months
    )
    return dataclasses.replace(
        iia,
        cooperation_conditions=dataclasses.replace(
            iia.cooperation_conditions, student_studies=(spec,)
        ),
    )
