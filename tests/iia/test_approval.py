"""Approving a partner's IIA: the three refusals, the record, the answer served, the status read.

North serves its copy (North first, with South's id once mapped); South
approves it. Every document is rendered by the library with the kit's hash,
then broken one rule at a time.
"""

from __future__ import annotations

import pytest

from ewp_client.codec import decode
from ewp_client.errors import ApprovalRefusedError, ConfigError, IiaHashError
from ewp_client.iia import compute_iia_hashes
from ewp_client.iia.approval import (
    ApprovalRecord,
    ApprovalState,
    PartnerApproval,
    approval_response,
    approval_status,
    approve,
    check_approvable,
    partner_iia_ids,
    render_approval_response,
)
from ewp_client.models import Iia, IiaApproval, IiasApprovalResponse
from tests.iia.iia_xml import iia, mobility, response
from tests.iia.served_copies import (
    NORTH,
    declared_hashes,
    months_changed,
    north,
    served,
    with_declared_hash,
)

OTHER_HASH = "ab" * 32


def refusal(document: bytes | object, **kwargs: object) -> ApprovalRefusedError:
    with pytest.raises(ApprovalRefusedError) as info:
        check_approvable(document, **kwargs)  # type: ignore[arg-type]
    return info.value


# ------------------------------------------------------------------- approving


def test_a_mapped_valid_copy_with_its_own_hash_is_approved() -> None:
    document = served(north())
    record = approve(document, partner_hei_id=NORTH, our_iia_id="s-1", pdf_file="pdf-7")
    assert record == ApprovalRecord(
        partner_hei_id=NORTH,
        iia_id="n-1",
        iia_hash=declared_hashes(document)[0],
        our_iia_id="s-1",
        pdf_file="pdf-7",
    )


def test_the_record_quotes_the_hash_of_the_copy_approved() -> None:
    before, after = served(north()), served(months_changed(north(), "6"))
    first = approve(before, partner_hei_id=NORTH)
    second = approve(after, partner_hei_id=NORTH)
    assert first.iia_hash == declared_hashes(before)[0]
    assert second.iia_hash == declared_hashes(after)[0]
    assert first.iia_hash != second.iia_hash


def test_the_approval_is_kept_for_the_hei_serving_the_copy() -> None:
    document = served(north())
    assert approve(document).partner_hei_id == NORTH
    assert approve(compute_iia_hashes(document)[0]).partner_hei_id == NORTH
    with pytest.raises(ApprovalRefusedError) as info:
        approve(document, partner_hei_id="evil.example.org")
    assert (info.value.reason, info.value.iia_id) == ("wrong-partner", "n-1")
    assert NORTH in str(info.value)


def test_an_already_computed_result_can_be_checked() -> None:
    result = compute_iia_hashes(served(north()))[0]
    assert check_approvable(result) is result


def test_unmapped_copy_is_refused() -> None:
    error = refusal(served(north(south_id=None)))
    assert (error.reason, error.iia_id) == ("unmapped", "n-1")
    assert "partner 2 has no iia-id" in str(error)


def test_copy_mapped_to_another_of_our_ids_is_refused_as_unmapped() -> None:
    error = refusal(served(north(south_id="s-9")), our_iia_id="s-1")
    assert (error.reason, error.iia_id) == ("unmapped", "n-1")
    assert "'s-9'" in str(error)


@pytest.mark.parametrize(
    "copy",
    [north(not_yet_defined=True), north(v6_value="061")],
    ids=["not-yet-defined", "v6-value"],
)
def test_copy_carrying_v6_markers_is_not_valid_for_approval(copy: Iia) -> None:
    document = served(copy)
    assert compute_iia_hashes(document)[0].matches_declared  # only this rule is broken
    error = refusal(document)
    assert (error.reason, error.iia_id) == ("not-valid-for-approval", "n-1")


def test_a_marker_on_another_iia_of_the_response_blocks_approval_too() -> None:
    document = served(north(), north("n-2", not_yet_defined=True))
    error = refusal(document, iia_id="n-1")
    assert (error.reason, error.iia_id) == ("not-valid-for-approval", "n-1")
    assert check_approvable(served(north()), iia_id="n-1").iia_id == "n-1"


def test_copy_served_with_iias_v6_is_not_approved_with_approval_v2() -> None:
    partners = (
        "<partner><hei-id>a.example</hei-id><iia-id>A</iia-id></partner>"
        "<partner><hei-id>b.example</hei-id><iia-id>B</iia-id></partner>"
    )
    document = response(
        iia(mobility("<sending-hei-id>a.example</sending-hei-id>"), partners=partners), version=6
    )
    error = refusal(document)
    assert error.reason == "not-valid-for-approval"
    assert "Approval v1" in str(error)


def test_copy_declaring_another_hash_is_refused_with_both_hashes() -> None:
    document = served(north())
    computed = declared_hashes(document)[0]
    error = refusal(with_declared_hash(document, OTHER_HASH))
    assert (error.reason, error.iia_id) == ("hash-mismatch", "n-1")
    assert (error.declared, error.computed) == (OTHER_HASH, computed)
    cause = error.__cause__
    assert isinstance(cause, IiaHashError)
    assert (cause.declared, cause.computed) == (OTHER_HASH, computed)
    assert cause.text_to_hash is not None
    assert cause.text_to_hash.startswith("_iia-id_1=n-1_")


def test_unmapped_is_reported_before_a_hash_mismatch() -> None:
    document = with_declared_hash(served(north(south_id=None)), OTHER_HASH)
    assert refusal(document).reason == "unmapped"


def test_the_iia_to_approve_must_be_named_in_a_response_of_several() -> None:
    document = served(north(), north("n-2"))
    with pytest.raises(ConfigError, match="holds 2 IIAs"):
        check_approvable(document)
    with pytest.raises(ConfigError, match="'n-3'"):
        check_approvable(document, iia_id="n-3")
    assert approve(document, partner_hei_id=NORTH, iia_id="n-2").iia_id == "n-2"


def test_partner_iia_ids_are_read_in_partner_order() -> None:
    assert partner_iia_ids(compute_iia_hashes(served(north()))[0]) == ("n-1", "s-1")
    assert partner_iia_ids(compute_iia_hashes(served(north(south_id=None)))[0]) == ("n-1", "")


# --------------------------------------------------------- serving our approvals


RECORDS = [
    ApprovalRecord(partner_hei_id=NORTH, iia_id="n-1", iia_hash="1" * 64),
    ApprovalRecord(partner_hei_id=NORTH, iia_id="n-2", iia_hash="2" * 64, pdf_file="pdf-2"),
    ApprovalRecord(partner_hei_id="west.example.org", iia_id="n-3", iia_hash="3" * 64),
    ApprovalRecord(partner_hei_id=NORTH, iia_id="n-1", iia_hash="4" * 64),
]


def test_the_approval_answer_lists_the_callers_approved_ids_in_the_order_asked() -> None:
    answer = approval_response(
        RECORDS, ["n-2", "unknown", "n-3", "n-1", "n-2"], caller_hei_id=NORTH
    )
    assert answer == IiasApprovalResponse(
        approvals=(
            IiaApproval(iia_id="n-2", iia_hash="2" * 64, pdf_file="pdf-2"),
            IiaApproval(iia_id="n-1", iia_hash="4" * 64),  # the later approval is in force
        )
    )


def test_the_rendered_approval_answer_is_schema_valid_and_reads_back() -> None:
    rendered = render_approval_response(RECORDS, ["n-1", "n-2"], caller_hei_id=NORTH)
    assert decode(rendered, IiasApprovalResponse) == approval_response(
        RECORDS, ["n-1", "n-2"], caller_hei_id=NORTH
    )
    assert (
        decode(render_approval_response(RECORDS, ["x"], caller_hei_id=NORTH), IiasApprovalResponse)
        == IiasApprovalResponse()
    )


# ------------------------------------------------------ reading their approvals


def test_each_of_our_iias_is_current_older_or_not_approved() -> None:
    ours = {"s-1": "a" * 64, "s-2": "b" * 64, "s-3": "c" * 64}
    theirs = IiasApprovalResponse(
        approvals=(
            IiaApproval(iia_id="s-2", iia_hash="9" * 64, pdf_file="signed.pdf"),
            IiaApproval(iia_id="s-1", iia_hash="a" * 64),
            IiaApproval(iia_id="s-7", iia_hash="7" * 64),
        )
    )
    assert approval_status(ours, theirs) == {
        "s-1": PartnerApproval(
            iia_id="s-1", state=ApprovalState.CURRENT, current_hash="a" * 64, approved_hash="a" * 64
        ),
        "s-2": PartnerApproval(
            iia_id="s-2",
            state=ApprovalState.OLDER,
            current_hash="b" * 64,
            approved_hash="9" * 64,
            pdf_file="signed.pdf",
        ),
        "s-3": PartnerApproval(iia_id="s-3", state=ApprovalState.NONE, current_hash="c" * 64),
    }


def test_status_from_our_served_copies_follows_a_modification() -> None:
    before = served(north())
    approval = IiaApproval(iia_id="n-1", iia_hash=declared_hashes(before)[0])
    assert (
        approval_status(compute_iia_hashes(before), [approval])["n-1"].state
        is ApprovalState.CURRENT
    )
    after = served(months_changed(north(), "7"))
    status = approval_status(compute_iia_hashes(after), [approval])["n-1"]
    assert status.state is ApprovalState.OLDER
    assert (status.approved_hash, status.current_hash) == (
        declared_hashes(before)[0],
        declared_hashes(after)[0],
    )


def test_a_current_approval_among_older_ones_counts_as_current() -> None:
    approvals = [
        IiaApproval(iia_id="s-1", iia_hash="0" * 64),
        IiaApproval(iia_id="s-1", iia_hash="a" * 64),
    ]
    assert approval_status({"s-1": "a" * 64}, approvals)["s-1"].state is ApprovalState.CURRENT
