"""Golden round trip of the official IIA documents and of every iia-hash vector.

Besides the model round trip, each IIAs get response is checked to keep its
iia-hash: the re-encoded document gives the very same text-to-hash, hash and
valid-for-approval for every ``<iia>`` as the original.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import pytest

from ewp_client.codec import encode
from ewp_client.iia.hash import compute_iia_hashes
from ewp_client.models import (
    IiasApprovalResponse,
    IiasGetResponse,
    IiasGetResponseV6,
    IiasIndexResponse,
    IiasStatsResponse,
    StaffTeacherMobilitySpecV6,
    StudentStudiesMobilitySpec,
    StudentTraineeshipMobilitySpec,
)
from tests.codec.lexical import assert_same_content
from tests.codec.roundtrip import assert_round_trip
from tests.conformance import reference

#: Every full document among the official IIA examples, with its root model. The
#: ``example-scenario/*.part.xml`` files are fragments, not documents.
EXAMPLES: dict[str, type] = {
    "iias-v7/get-response-example.xml": IiasGetResponse,
    "iias-v7/xsltkit-get-response-v7.xml": IiasGetResponse,
    "iias-v7/index-response-example.xml": IiasIndexResponse,
    "iias-v7/stats-response-example.xml": IiasStatsResponse,
    "iias-v6/xsltkit-get-response-v6.xml": IiasGetResponseV6,
    "iias-approval-v2/response-example.xml": IiasApprovalResponse,
}
FOLDERS = ("iias-v7", "iias-v6", "iias-approval-v2")

#: xs:boolean attributes the model types as ``bool`` (``1`` is written back as ``true``).
BOOLEAN_MARKERS = ("terminated-as-a-whole", "not-yet-defined")


def _example(name: str) -> Path:
    if not reference.available():
        pytest.skip(reference.MISSING_REASON)
    return reference.EXAMPLES / name


def _hash_results(document: bytes) -> list[tuple[str, str, str, bool]]:
    return [
        (h.iia_id, h.text_to_hash, h.sha256, h.valid_for_approval)
        for h in compute_iia_hashes(document)
    ]


def test_every_full_iia_example_round_trips(
    reference_pack: Path, figures: Callable[[str], None]
) -> None:
    examples = reference_pack / "examples"
    full = {
        p.relative_to(examples).as_posix()
        for folder in FOLDERS
        for p in (examples / folder).rglob("*.xml")
        if not p.name.endswith(".part.xml")
    }
    failed = []
    for name in sorted(full):
        try:
            assert_round_trip(examples / name, EXAMPLES[name])
        except (AssertionError, KeyError) as exc:  # KeyError: a file EXAMPLES does not list
            failed.append(f"{name}: {exc!r}")
    passed = len(full) - len(failed)
    figures(f"IIA example round trips (IIAs v7, v6, Approval v2): {passed}/{len(full)}")
    assert failed == []
    assert full == set(EXAMPLES)


@pytest.mark.parametrize(("name", "model"), EXAMPLES.items(), ids=list(EXAMPLES))
def test_official_iia_example_round_trips(name: str, model: type) -> None:
    assert_round_trip(_example(name), model)


@pytest.mark.parametrize("name", [n for n, m in EXAMPLES.items() if m is IiasGetResponse])
def test_official_v7_example_keeps_its_iia_hash_through_the_model(name: str) -> None:
    data = _example(name).read_bytes()
    written = encode(assert_round_trip(data, IiasGetResponse))
    (result,) = compute_iia_hashes(written)
    assert result.matches_declared is True
    assert _hash_results(written) == _hash_results(data)


def test_iia_hash_vectors_round_trip_and_keep_their_hashes(
    reference_pack: Path, figures: Callable[[str], None]
) -> None:
    documents = sorted((reference_pack / "iia-hash-vectors").glob("*.xml"))
    assert len(documents) == 150
    failed = []
    for path in documents:
        data = path.read_bytes()
        try:
            model = assert_round_trip(data, IiasGetResponse, compare_xml=False)
            written = encode(model)
            assert_same_content(data, written, boolean_attributes=BOOLEAN_MARKERS)
            assert _hash_results(written) == _hash_results(data), path.name
        except AssertionError as exc:
            failed.append(f"{path.name}: {exc}")
    figures(f"IIA vector round trips: {len(documents) - len(failed)}/{len(documents)}")
    assert failed == []


def test_get_response_example_reads_as_the_document_says() -> None:
    response = assert_round_trip(_example("iias-v7/get-response-example.xml"), IiasGetResponse)
    (iia,) = response.iias
    first, second = iia.partners
    assert (first.hei_id, second.hei_id) == ("uw.edu.pl", "hibo.no")
    assert first.iia_code == "983/E+/III14&15"
    assert first.signing_contact is not None
    assert first.signing_contact.contact_names[0].value == "Sylwia Nowak"
    assert [c.emails for c in first.contacts] == [("email@example.com",)]
    assert iia.in_effect is True
    assert iia.pdf_file == "4a483112-d306-4e77-87ff-05b823fb0e0f"
    conditions = iia.cooperation_conditions
    assert conditions.terminated_as_a_whole is None
    kinds = [type(m) for m in conditions.mobilities]
    assert kinds[:2] == [StudentStudiesMobilitySpec, StudentTraineeshipMobilitySpec]
    assert len(conditions.staff_teachers) == 2
    assert len(conditions.staff_trainings) == 1
    studies = conditions.student_studies[0]
    assert studies.mobilities_per_year.count == 2
    assert [s.language for s in studies.recommended_language_skills] == ["en", "no"]
    assert studies.subject_areas[0].isced_f_code.value == "0314"
    assert studies.is_blended is False
    assert studies.months_per_year == Decimal(5)
    assert studies.eqf_level_numbers == (7, 8)
    assert conditions.staff_teachers[1].days_per_year == Decimal(14)


def test_v6_markers_and_verbatim_values_are_kept(reference_pack: Path) -> None:
    data = (reference_pack / "iia-hash-vectors" / "case-1001-0000.xml").read_bytes()
    (iia,) = assert_round_trip(data, IiasGetResponse).iias
    traineeship = iia.cooperation_conditions.student_traineeships[1]
    assert traineeship.mobilities_per_year.not_yet_defined is True
    assert [s.not_yet_defined for s in traineeship.recommended_language_skills] == [None, True]
    codes = [a.isced_f_code for a in traineeship.subject_areas]
    assert [(c.value, c.v6_value) for c in codes] == [("0410", None), ("0410", "04")]
    assert traineeship.blended == "0"
    assert traineeship.is_blended is False
    assert iia.partners[0].iia_id == "9467006"


def test_terminated_as_a_whole_written_as_1_reads_true(reference_pack: Path) -> None:
    data = (reference_pack / "iia-hash-vectors" / "case-1001-0015.xml").read_bytes()
    assert b'terminated-as-a-whole="1"' in data
    response = assert_round_trip(data, IiasGetResponse, compare_xml=False)
    flags = [i.cooperation_conditions.terminated_as_a_whole for i in response.iias]
    assert True in flags
    assert b'terminated-as-a-whole="true"' in encode(response)


def test_v6_example_reads_as_the_document_says() -> None:
    response = assert_round_trip(_example("iias-v6/xsltkit-get-response-v6.xml"), IiasGetResponseV6)
    (iia,) = response.iias
    studies = iia.cooperation_conditions.student_studies[0]
    assert studies.receiving_academic_year_ids[0] == "2014/2015"
    assert len(studies.receiving_academic_year_ids) == 7
    assert studies.mobilities_per_year is None
    assert studies.subject_areas[0].isced_f_code == "031"
    assert studies.sending_contacts[0].phone_numbers[0].other_format == "123456789"
    teacher = iia.cooperation_conditions.staff_teachers[0]
    assert isinstance(teacher, StaffTeacherMobilitySpecV6)
    assert teacher.days_per_year == Decimal(8)


def test_index_stats_and_approval_examples_read_as_the_documents_say() -> None:
    index = assert_round_trip(_example("iias-v7/index-response-example.xml"), IiasIndexResponse)
    assert index.iia_ids[0] == "0f7a5682-faf7-49a7-9cc7-ec486c49a281"
    assert len(index.iia_ids) == 3
    stats = assert_round_trip(_example("iias-v7/stats-response-example.xml"), IiasStatsResponse)
    assert (stats.iia_fetchable, stats.iia_both_approved) == (397, 204)
    approvals = assert_round_trip(
        _example("iias-approval-v2/response-example.xml"), IiasApprovalResponse
    ).approvals
    assert [a.pdf_file for a in approvals] == [None, "4a483112-d306-4e77-87ff-05b823fb0e0f"]
    assert approvals[0].iia_hash.startswith("a96d6d42")
