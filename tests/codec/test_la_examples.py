"""Golden round trip of every official OMobility LAs v1.2 example document."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import pytest

from ewp_client.models import (
    ApproveProposalV1,
    CommentProposalV1,
    ComponentStatus,
    LasGetResponse,
    LasIndexResponse,
    LasStatsResponse,
    LasUpdateRequest,
    LasUpdateResponse,
    ReasonCode,
)
from tests.codec.roundtrip import assert_round_trip
from tests.conformance import reference

LAS = "omobility-las-v1"

#: Every full document among the official LA examples, with its root model.
#: The ``example-scenario/*.part.xml`` files are fragments, not documents.
EXAMPLES: dict[str, type] = {
    "get-response-example.xml": LasGetResponse,
    "index-response-example.xml": LasIndexResponse,
    "stats-response-example.xml": LasStatsResponse,
    "update-response-example.xml": LasUpdateResponse,
    "update-request-examples/approve-proposal-v1.xml": LasUpdateRequest,
    "update-request-examples/comment-proposal-v1.xml": LasUpdateRequest,
}


def _example(name: str) -> Path:
    if not reference.available():
        pytest.skip(reference.MISSING_REASON)
    return reference.EXAMPLES / LAS / name


def test_every_full_example_is_listed(reference_pack: Path, figures: Callable[[str], None]) -> None:
    folder = reference_pack / "examples" / LAS
    full = {
        p.relative_to(folder).as_posix()
        for p in folder.rglob("*.xml")
        if not p.name.endswith(".part.xml")
    }
    failed = []
    for name in sorted(full):
        try:
            assert_round_trip(folder / name, EXAMPLES[name])
        except (AssertionError, KeyError) as exc:  # KeyError: a file EXAMPLES does not list
            failed.append(f"{name}: {exc!r}")
    figures(f"OMobility LAs v1.2 example round trips: {len(full) - len(failed)}/{len(full)}")
    assert failed == []
    assert full == set(EXAMPLES)


@pytest.mark.parametrize(("name", "model"), EXAMPLES.items(), ids=list(EXAMPLES))
def test_official_example_round_trips(name: str, model: type) -> None:
    assert_round_trip(_example(name), model)


def test_get_response_example_reads_as_the_document_says() -> None:
    response = assert_round_trip(_example("get-response-example.xml"), LasGetResponse)
    (la,) = response.las
    assert la.sending_hei.hei_id == "uio.no"
    assert la.start_year_month == "2019-02"
    assert la.start_date is None
    assert la.eqf_level_studied_at_departure == 8
    assert la.first_version is not None
    assert la.first_version.receiving_hei_signature is not None
    proposal = la.changes_proposal
    assert proposal is not None
    assert proposal.id == "59B15BAF222F868493C167125FA32452E946"
    assert proposal.receiving_hei_signature is None
    assert proposal.student is not None
    assert proposal.student.family_name == "Karamazov"
    assert proposal.components_recognized is not None
    assert proposal.components_recognized.components == ()
    assert proposal.components_studied is not None
    inserted, deleted = proposal.components_studied.components
    assert (inserted.status, inserted.reason_code) == (
        ComponentStatus.INSERTED,
        ReasonCode.SUBSTITUTING_DELETED,
    )
    assert deleted.known_reason_code is ReasonCode.LANGUAGE_MISMATCH
    assert deleted.credits[0].value == Decimal("9")
    assert deleted.term_id is not None
    assert (deleted.term_id.term_number, deleted.term_id.total_terms) == (2, 2)
    assert proposal.student_signature.timestamp.utcoffset() is not None


def test_update_request_examples_carry_their_action() -> None:
    approve = assert_round_trip(
        _example("update-request-examples/approve-proposal-v1.xml"), LasUpdateRequest
    )
    comment = assert_round_trip(
        _example("update-request-examples/comment-proposal-v1.xml"), LasUpdateRequest
    )
    assert isinstance(approve.action, ApproveProposalV1)
    assert isinstance(comment.action, CommentProposalV1)
    assert comment.action.comment.startswith('"Introductory calculus"')
    assert approve.sending_hei_id == "uw.edu.pl"
