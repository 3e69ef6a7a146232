"""The Dataset API the routes read and the store changes: queries, and new values from changes."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime

import pytest

from ewp_client.errors import ConfigError
from ewp_client.iia import ApprovalRecord
from ewp_client.models import Signature
from ewp_client.ola import VersionStatus
from ewp_mock.data import UNI_A, UNI_B, Dataset, HeiData, demo_dataset

SIGNER = Signature(signer_name="Elena Rossi", timestamp=datetime(2026, 10, 1, tzinfo=UTC))


@pytest.fixture(scope="module")
def demo() -> Dataset:
    return demo_dataset()


def _hei(data: Dataset, hei_id: str) -> HeiData:
    hei = data.hei(hei_id)
    assert hei is not None
    return hei


def test_institutions_answer_the_served_heis_asked_for_once_each(demo: Dataset) -> None:
    found = demo.institutions([UNI_B, "uni-x.example.org", UNI_B, UNI_A])

    assert [i.hei_id for i in found] == [UNI_B, UNI_A]
    assert demo.hei("uni-x.example.org") is None
    assert demo.institutions([]) == ()


def test_units_are_found_by_id_or_code(demo: Dataset) -> None:
    hei = _hei(demo, UNI_A)

    by_id = hei.ounit("a-sci")
    assert by_id is not None
    assert hei.ounit_by_code("SCI") is by_id
    assert (hei.ounit("SCI"), hei.ounit_by_code("a-sci")) == (None, None)


def test_queries_about_a_hei_not_served_are_empty(demo: Dataset) -> None:
    assert demo.served_iias("uni-x.example.org") == ()
    assert demo.outgoing_las("uni-x.example.org") == ()
    assert demo.incoming_las("uni-x.example.org") == ()
    assert [s.iia_id for s in demo.served_iias(UNI_B)] == [f"b-iia-{n}" for n in range(2, 7)]


def test_incoming_las_leave_drafts_out_and_carry_the_commented_proposal(demo: Dataset) -> None:
    incoming = {r.la.omobility_id: r for r in demo.incoming_las(UNI_B)}

    assert "la-draft" not in incoming
    assert len(incoming) == 7
    rejected = incoming["la-rejected"]
    assert rejected.status is VersionStatus.REJECTED
    assert rejected.commented_proposal_id == rejected.la.changes_proposal.id  # type: ignore[union-attr]


def test_an_la_step_gives_a_new_data_set_and_leaves_the_old_one(demo: Dataset) -> None:
    state = _hei(demo, UNI_A).las["la-changes-pending"]
    assert state.proposal_id is not None

    step = state.approve(state.proposal_id, SIGNER)
    after = demo.with_la(step.state)

    assert _hei(after, UNI_A).las["la-changes-pending"].status is VersionStatus.APPROVED
    assert _hei(demo, UNI_A).las["la-changes-pending"].status is VersionStatus.AWAITING
    assert list(_hei(after, UNI_A).las) == list(_hei(demo, UNI_A).las)
    assert after.heis[UNI_B] is demo.heis[UNI_B]


def test_an_iia_book_step_replaces_the_heis_book(demo: Dataset) -> None:
    book = _hei(demo, UNI_A).iias
    step = book.delete("a-iia-2")

    after = demo.with_iias(UNI_A, step.book)

    assert "a-iia-2" not in _hei(after, UNI_A).iias.served
    assert _hei(after, UNI_A).iias.retired == {"a-iia-2", "a-iia-7"}
    assert [n.partner_hei_id for n in step.notifications] == [UNI_B]


def test_an_approval_of_the_same_copy_replaces_the_one_in_force(demo: Dataset) -> None:
    before = _hei(demo, UNI_A).approvals_for(UNI_B)
    record = ApprovalRecord(partner_hei_id=UNI_B, iia_id="b-iia-4", iia_hash="f" * 64)

    after = _hei(demo.with_approval(UNI_A, record), UNI_A).approvals_for(UNI_B)

    assert len(after) == len(before)
    assert after[-1] == record
    assert [r.iia_id for r in after] == ["b-iia-5", "b-iia-6", "b-iia-4"]


def test_changes_to_a_hei_not_served_are_refused(demo: Dataset) -> None:
    la = _hei(demo, UNI_A).las["la-approved"]
    moved = dataclasses.replace(
        la,
        la=dataclasses.replace(
            la.la,
            sending_hei=dataclasses.replace(la.la.sending_hei, hei_id="uni-x.example.org"),
        ),
    )

    with pytest.raises(ConfigError, match=r"'uni-x\.example\.org' is not served"):
        demo.with_la(moved)
    with pytest.raises(ConfigError, match="not served"):
        demo.with_iias("uni-x.example.org", _hei(demo, UNI_A).iias)


def test_a_hei_holding_anothers_objects_is_refused(demo: Dataset) -> None:
    a, b = _hei(demo, UNI_A), _hei(demo, UNI_B)

    with pytest.raises(ConfigError, match="not served by this HEI"):
        dataclasses.replace(b, iias=a.iias)
    with pytest.raises(ConfigError, match="not sent by this HEI"):
        dataclasses.replace(b, las=a.las)
    with pytest.raises(ConfigError, match="unit ids repeat"):
        dataclasses.replace(b, ounits=(*b.ounits, b.ounits[0]))
    with pytest.raises(ConfigError, match="factsheet given is that of 'uni-a"):
        b.with_factsheet(a.factsheet)


def test_a_data_set_takes_each_hei_once_and_never_as_a_partner_too(demo: Dataset) -> None:
    a = _hei(demo, UNI_A)

    with pytest.raises(ConfigError, match="given twice"):
        Dataset.of([a, a])
    with pytest.raises(ConfigError, match="partners too"):
        Dataset.of([a], partners=[UNI_A])
    with pytest.raises(ConfigError, match="holds the data of"):
        Dataset({UNI_B: a})
    assert Dataset.of([a], partners=[UNI_B]).with_hei(_hei(demo, UNI_B)).partners == frozenset()


def test_a_node_serving_one_hei_keeps_copies_of_what_the_other_serves_it(demo: Dataset) -> None:
    only_a = demo.only([UNI_A])

    assert only_a.hei_ids == (UNI_A,)
    assert only_a.partners == {UNI_B}
    a = _hei(only_a, UNI_A)
    assert sorted(a.partner_iias) == [(UNI_B, f"b-iia-{n}") for n in range(2, 7)]
    assert a.partner_iia(UNI_B, "b-iia-4") == _hei(demo, UNI_B).iias.served["b-iia-4"].iia
    assert list(a.received_las) == [(UNI_B, "la-b-approved")]
    assert [r.la.omobility_id for r in only_a.incoming_las(UNI_A)] == ["la-b-approved"]
    assert len(only_a.incoming_las(UNI_B)) == 7  # from uni-a's own records


def test_a_node_serving_the_receiving_hei_sees_the_rejections_as_commented_proposals(
    demo: Dataset,
) -> None:
    only_b = demo.only([UNI_B])

    received = _hei(only_b, UNI_B).received_las
    assert (UNI_A, "la-draft") not in received
    assert len(received) == 7
    rejected = received[(UNI_A, "la-changes-rejected")]
    assert rejected.status is VersionStatus.REJECTED
    assert {r.la.omobility_id: r.status for r in only_b.incoming_las(UNI_B)} == {
        r.la.omobility_id: r.status for r in demo.incoming_las(UNI_B)
    }


def test_only_refuses_a_hei_it_does_not_serve(demo: Dataset) -> None:
    with pytest.raises(ConfigError, match="not served"):
        demo.only(["uni-x.example.org"])
    assert demo.only([UNI_A, UNI_B]) == demo


def test_copies_must_name_the_hei_keeping_them(demo: Dataset) -> None:
    a = _hei(demo.only([UNI_A]), UNI_A)
    b_copy = _hei(demo, UNI_B).iias.served["b-iia-2"].iia

    with pytest.raises(ConfigError, match="not a copy"):
        dataclasses.replace(a, partner_iias={(UNI_B, "b-iia-3"): b_copy})
    with pytest.raises(ConfigError, match="not an LA it receives"):
        dataclasses.replace(_hei(demo, UNI_B), received_las=a.received_las)


def test_each_hei_keeps_its_factsheet_when_the_data_set_is_split(demo: Dataset) -> None:
    b = _hei(demo, UNI_B)

    alone = demo.only([UNI_B])

    assert _hei(alone, UNI_B).factsheet == b.factsheet is not None
    assert _hei(demo.with_hei(b.with_factsheet(None)), UNI_B).factsheet is None
    assert _hei(demo, UNI_B).factsheet is not None
