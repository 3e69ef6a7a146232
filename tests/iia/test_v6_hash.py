"""The v6 migration kit: what it leaves out and what it appends, on documents written here."""

from __future__ import annotations

from ewp_client.iia.hash import compute_iia_hashes
from tests.iia.iia_xml import MOBILITY, iia, mobility, response

M = f"cooperation-conditions.{MOBILITY}."


def v6(body: str, **options: str) -> bytes:
    return response(iia(mobility(body), **options), version=6)


def test_first_and_last_receiving_academic_year_are_appended() -> None:
    body = (
        "<sending-hei-id>a</sending-hei-id>"
        "<receiving-academic-year-id>2021/2022</receiving-academic-year-id>"
        "<receiving-academic-year-id>2022/2023</receiving-academic-year-id>"
        "<receiving-academic-year-id>2023/2024</receiving-academic-year-id>"
        "<mobilities-per-year>2</mobilities-per-year>"
    )
    (result,) = compute_iia_hashes(v6(body))
    assert result.version == 6
    assert result.text_to_hash == (
        f"_iia-id_1=A__iia-id_2=B__{M}sending-hei-id=a__{M}mobilities-per-year=2_"
        "_receiving-first-academic-year-id=2021/2022__receiving-last-academic-year-id=2023/2024_"
    )


def test_no_academic_year_gives_empty_fields() -> None:
    (result,) = compute_iia_hashes(v6("<sending-hei-id>a</sending-hei-id>"))
    assert result.text_to_hash.endswith(
        "_receiving-first-academic-year-id=__receiving-last-academic-year-id=_"
    )


def test_attributes_and_v7_markers_mean_nothing_in_v6() -> None:
    body = (
        '<sending-hei-id x="1">a</sending-hei-id>'
        '<subject-area><isced-f-code v6-value="04">0410</isced-f-code></subject-area>'
        '<blended not-yet-defined="true">true</blended>'
    )
    (result,) = compute_iia_hashes(v6(body, conditions_attributes=' terminated-as-a-whole="true"'))
    assert result.text_to_hash == (
        f"_iia-id_1=A__iia-id_2=B__{M}sending-hei-id=a_"
        f"_{MOBILITY}.subject-area.isced-f-code=0410__{M}blended=true_"
        "_receiving-first-academic-year-id=__receiving-last-academic-year-id=_"
    )
    assert result.valid_for_approval is True


def test_contacts_are_excluded() -> None:
    body = (
        "<sending-hei-id>a</sending-hei-id>"
        "<sending-contact><c:contact-name>X</c:contact-name></sending-contact>"
    )
    assert "contact" not in compute_iia_hashes(v6(body))[0].text_to_hash


def test_v6_has_no_declared_iia_hash() -> None:
    (result,) = compute_iia_hashes(v6("<sending-hei-id>a</sending-hei-id>", iia_hash="ab"))
    assert result.declared_hash is None
    assert result.matches_declared is None
