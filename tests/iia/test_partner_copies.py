"""Our copies of partners' IIAs, refreshed as after an IIA CNR (:class:`PartnerCopies`).

Two sources: the demo data set, whose ``uni-a`` copies ``uni-b`` approved
(and one ``uni-a`` modified after both approved), seen from ``uni-b``; and the
official IIAs v7 get-response example, modified here the way a partner would
(a value changed, the ``iia-hash`` stamped again by the kit).
"""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from lxml import etree

from ewp_client.client.iias import IiaCopy, copies_of
from ewp_client.errors import ApprovalRefusedError, ConfigError, IiaLifecycleError
from ewp_client.iia import (
    CopyAnomaly,
    CopyChangeKind,
    IiaNotification,
    NotificationKind,
    PartnerCopies,
    ServedIia,
    copy_of,
)
from ewp_client.namespaces import IIAS_V7_GET_NS
from ewp_client.server.iias import stamp_iia_hashes
from ewp_client.xml import parse_xml
from ewp_mock.data import UNI_A, UNI_B, Dataset, demo_dataset

T0 = datetime(2026, 10, 1, 9, 0, tzinfo=UTC)
T1 = T0 + timedelta(hours=1)
T2 = T0 + timedelta(hours=2)


@pytest.fixture(scope="module")
def demo() -> Dataset:
    return demo_dataset()


def served(demo: Dataset, iia_id: str) -> ServedIia:
    data = demo.hei(UNI_A)
    assert data is not None
    state = data.iias.get(iia_id)
    assert state is not None
    return state


def a_copy(demo: Dataset, n: int) -> IiaCopy:
    """``uni-a``'s IIA ``a-iia-n`` as ``uni-b`` fetches it (alone)."""
    return copy_of(served(demo, f"a-iia-{n}").iia)


def b_record_hash(demo: Dataset, n: int) -> str:
    """The hash of ``uni-a``'s copy that the demo's ``uni-b`` approved."""
    data = demo.hei(UNI_B)
    assert data is not None
    (record,) = [r for r in data.approvals if r.iia_id == f"a-iia-{n}"]
    return record.iia_hash


def holding(*copies: IiaCopy) -> PartnerCopies:
    book = PartnerCopies()
    for copy in copies:
        assert copy.iia_id is not None
        book = book.refreshed(copy.hei_id, copy.iia_id, copy, T0).book
    return book


# ------------------------------------------------------------------ demo data


def test_a_first_fetch_is_new_and_keeps_the_kits_hash(demo: Dataset) -> None:
    copy = a_copy(demo, 2)
    step = PartnerCopies().refreshed(UNI_A, "a-iia-2", copy, T0)
    assert step.change.kind is CopyChangeKind.NEW
    assert step.change.before is None
    held = step.book.get(UNI_A, "a-iia-2")
    assert held is step.change.after
    assert held is not None
    assert held.iia_hash == served(demo, "a-iia-2").iia_hash
    assert held.hash_verified
    assert (held.our_iia_id, held.mapped, held.fetched_at) == ("b-iia-2", True, T0)
    assert held.approved is None
    assert step.change.newly_mapped


def test_a_refetch_of_the_same_copy_is_unchanged(demo: Dataset) -> None:
    book = holding(a_copy(demo, 2))
    step = book.refreshed(UNI_A, "a-iia-2", a_copy(demo, 2), T1)
    assert step.change.kind is CopyChangeKind.UNCHANGED
    assert not step.change.approval_outdated
    held = step.book.get(UNI_A, "a-iia-2")
    assert held is not None
    assert held.fetched_at == T1


def test_approving_keeps_the_snapshot_and_gives_the_record_and_the_cnr(demo: Dataset) -> None:
    book = holding(a_copy(demo, 4))
    done = book.approve(UNI_A, "a-iia-4", our_iia_id="b-iia-4")
    assert done.record.iia_hash == b_record_hash(demo, 4) == served(demo, "a-iia-4").iia_hash
    assert (done.record.partner_hei_id, done.record.iia_id, done.record.our_iia_id) == (
        UNI_A,
        "a-iia-4",
        "b-iia-4",
    )
    assert done.notification == IiaNotification(
        NotificationKind.APPROVAL, partner_hei_id=UNI_A, notifier_hei_id=UNI_B, iia_id="a-iia-4"
    )
    held = done.book.get(UNI_A, "a-iia-4")
    assert held is not None
    assert held.approved is not None
    assert held.approved.record == done.record
    assert held.approval_current
    assert done.book.approvals() == (done.record,)
    assert book.get(UNI_A, "a-iia-4") is not None
    assert book.approvals() == ()  # the book is immutable


def test_a_modification_after_our_approval_keeps_the_approved_snapshot(demo: Dataset) -> None:
    """``a-iia-5``: both approved, then ``uni-a`` modified it (fewer months)."""
    state = served(demo, "a-iia-5")
    assert state.last_approved is not None
    approved_copy = copy_of(state.last_approved.iia)
    book = holding(approved_copy).approve(UNI_A, "a-iia-5", our_iia_id="b-iia-5").book
    step = book.refreshed(UNI_A, "a-iia-5", a_copy(demo, 5), T1)
    change = step.change
    assert change.kind is CopyChangeKind.CHANGED
    assert change.approval_outdated
    after = change.after
    assert after is not None
    assert after.iia_hash == state.iia_hash != b_record_hash(demo, 5)
    assert after.approved is not None
    assert after.approved.iia_hash == b_record_hash(demo, 5)
    assert after.approved.copy == approved_copy
    assert after.approved.fetched_at == T0
    assert not after.approval_current
    # approving the modified copy moves the snapshot to it
    again = step.book.approve(UNI_A, "a-iia-5")
    assert again.record.iia_hash == state.iia_hash
    held = again.book.get(UNI_A, "a-iia-5")
    assert held is not None
    assert held.approval_current


def test_termination_is_a_change_the_approval_does_not_cover(demo: Dataset) -> None:
    state = served(demo, "a-iia-6")
    assert state.last_approved is not None
    assert state.terminated_as_a_whole
    book = holding(copy_of(state.last_approved.iia)).approve(UNI_A, "a-iia-6").book
    change = book.refreshed(UNI_A, "a-iia-6", a_copy(demo, 6), T1).change
    assert change.kind is CopyChangeKind.CHANGED
    assert change.approval_outdated


def test_an_unmapped_copy_is_held_but_not_approved_until_mapped(demo: Dataset) -> None:
    unmapped = a_copy(demo, 1)
    book = holding(unmapped)
    held = book.get(UNI_A, "a-iia-1")
    assert held is not None
    assert (held.mapped, held.our_iia_id) == (False, None)
    with pytest.raises(ApprovalRefusedError) as refused:
        book.approve(UNI_A, "a-iia-1")
    assert refused.value.reason == "unmapped"
    assert book.mapped_to("b-iia-1") is None
    partners = (
        unmapped.iia.partners[0],
        dataclasses.replace(unmapped.iia.partners[1], iia_id="b-iia-1"),
    )
    # uni-a maps b's id: a modification it serves with the hash stamped again
    modified = served(demo, "a-iia-1").modify(dataclasses.replace(unmapped.iia, partners=partners))
    assert modified.state is not None
    mapped = copy_of(modified.state.iia)
    step = book.refreshed(UNI_A, "a-iia-1", mapped, T1)
    assert step.change.kind is CopyChangeKind.CHANGED  # the partner's iia-id is hashed
    assert step.change.newly_mapped
    assert not step.change.approval_outdated
    assert step.book.mapped_to("b-iia-1") is step.change.after
    assert step.book.approve(UNI_A, "a-iia-1", our_iia_id="b-iia-1").record.our_iia_id == "b-iia-1"


def test_approving_for_another_of_our_ids_is_refused(demo: Dataset) -> None:
    book = holding(a_copy(demo, 2))
    with pytest.raises(ApprovalRefusedError) as refused:
        book.approve(UNI_A, "a-iia-2", our_iia_id="b-iia-3")
    assert refused.value.reason == "unmapped"
    held = book.get(UNI_A, "a-iia-2")
    assert held is not None
    assert held.approved is None


def test_mapped_to_finds_the_copy_naming_our_id(demo: Dataset) -> None:
    book = holding(a_copy(demo, 2), a_copy(demo, 3), a_copy(demo, 4))
    found = book.mapped_to("b-iia-3")
    assert found is not None
    assert found.key == (UNI_A, "a-iia-3")
    assert book.mapped_to("b-iia-3", partner_hei_id=UNI_B) is None
    assert book.mapped_to("b-iia-9") is None


def test_an_unknown_id_is_not_found_and_changes_nothing() -> None:
    book = PartnerCopies()
    step = book.refreshed(UNI_A, "no-such-iia", None, T0)
    assert step.change.kind is CopyChangeKind.NOT_FOUND
    assert (step.change.before, step.change.after, step.change.anomaly) == (None, None, None)
    assert step.book is book
    with pytest.raises(IiaLifecycleError) as unknown:
        book.approve(UNI_A, "no-such-iia")
    assert (unknown.value.action, unknown.value.reason) == ("approve", "unknown-iia")


def test_a_copy_of_another_iia_is_refused(demo: Dataset) -> None:
    with pytest.raises(ConfigError, match="a-iia-2"):
        PartnerCopies().refreshed(UNI_A, "a-iia-3", a_copy(demo, 2), T0)
    with pytest.raises(ConfigError, match=UNI_A):
        PartnerCopies().refreshed(UNI_B, "a-iia-2", a_copy(demo, 2), T0)


def test_deleting_a_copy_never_approved_drops_it(demo: Dataset) -> None:
    book = holding(a_copy(demo, 2))
    step = book.refreshed(UNI_A, "a-iia-2", None, T1)
    change = step.change
    assert change.kind is CopyChangeKind.DELETED
    assert (change.anomaly, change.approval, change.after) == (None, None, None)
    assert step.book.get(UNI_A, "a-iia-2") is None
    assert step.book.copies == {}
    gone = step.book.deleted[(UNI_A, "a-iia-2")]
    assert (gone.deleted_at, gone.anomaly) == (T1, None)
    assert gone.last == book.get(UNI_A, "a-iia-2")
    with pytest.raises(IiaLifecycleError, match="deleted"):
        step.book.approve(UNI_A, "a-iia-2")
    # a second CNR for the deleted id finds nothing more
    assert step.book.refreshed(UNI_A, "a-iia-2", None, T2).change.kind is CopyChangeKind.NOT_FOUND


def test_deleting_a_mutually_approved_iia_is_an_anomaly_and_keeps_our_approval(
    demo: Dataset,
) -> None:
    b_data = demo.hei(UNI_B)
    assert b_data is not None
    b_state = b_data.iias.get("b-iia-4")
    assert b_state is not None
    assert b_state.was_mutually_approved
    approved = holding(a_copy(demo, 4)).approve(UNI_A, "a-iia-4")
    step = approved.book.refreshed(UNI_A, "a-iia-4", None, T1, ours=b_data.iias)
    change = step.change
    assert change.kind is CopyChangeKind.DELETED
    assert change.anomaly is CopyAnomaly.DELETED_AFTER_MUTUAL_APPROVAL
    assert change.approval is not None
    assert change.approval.record == approved.record
    assert step.book.get(UNI_A, "a-iia-4") is None
    assert step.book.approvals() == ()
    gone = step.book.deleted[(UNI_A, "a-iia-4")]
    assert gone.anomaly is CopyAnomaly.DELETED_AFTER_MUTUAL_APPROVAL
    assert gone.last.approved is not None
    assert gone.last.approved.iia_hash == b_record_hash(demo, 4)


def test_deleting_an_iia_only_we_approved_is_allowed(demo: Dataset) -> None:
    """``a-iia-3``: ``uni-b`` approved ``uni-a``'s copy, ``uni-a`` never approved back."""
    b_data = demo.hei(UNI_B)
    assert b_data is not None
    book = holding(a_copy(demo, 3)).approve(UNI_A, "a-iia-3").book
    change = book.refreshed(UNI_A, "a-iia-3", None, T1, ours=b_data.iias).change
    assert change.kind is CopyChangeKind.DELETED
    assert change.anomaly is None
    assert change.approval is not None  # the history is in the change and in book.deleted


def test_without_our_book_a_deletion_is_not_judged(demo: Dataset) -> None:
    book = holding(a_copy(demo, 4)).approve(UNI_A, "a-iia-4").book
    change = book.refreshed(UNI_A, "a-iia-4", None, T1).change
    assert (change.kind, change.anomaly) == (CopyChangeKind.DELETED, None)
    assert change.approval is not None


def test_a_deleted_id_coming_back_is_an_anomaly_and_brings_back_our_approval(
    demo: Dataset,
) -> None:
    approved = holding(a_copy(demo, 4)).approve(UNI_A, "a-iia-4")
    deleted = approved.book.refreshed(UNI_A, "a-iia-4", None, T1).book
    step = deleted.refreshed(UNI_A, "a-iia-4", a_copy(demo, 4), T2)
    assert step.change.kind is CopyChangeKind.NEW
    assert step.change.anomaly is CopyAnomaly.ID_REUSED
    held = step.book.get(UNI_A, "a-iia-4")
    assert held is not None
    assert held.approved is not None
    assert held.approved.record == approved.record
    assert held.approval_current
    assert (UNI_A, "a-iia-4") not in step.book.deleted


# ----------------------------------------------------------- official example


def _example(reference_pack: Path, name: str) -> bytes:
    path = reference_pack / "examples" / "iias-v7" / name
    if not path.is_file():
        pytest.skip(f"the official IIAs v7 example is not at {path}")
    return path.read_bytes()


def _modified(document: bytes) -> IiaCopy:
    """The example as its HEI would serve it after changing a mobility's months per year."""
    tree = parse_xml(document)
    months = tree.getroot().find(f".//{{{IIAS_V7_GET_NS}}}total-months-per-year")
    assert months is not None
    assert months.text is not None
    months.text = str(int(months.text) + 1)
    stamp_iia_hashes(tree)
    (copy,) = copies_of(etree.tostring(tree))
    return copy


def test_official_example_approved_then_modified(reference_pack: Path) -> None:
    document = _example(reference_pack, "get-response-example.xml")
    (copy,) = copies_of(document)
    assert copy.iia_id is not None
    hei, iia_id, declared = copy.hei_id, copy.iia_id, copy.hash.declared_hash
    first = PartnerCopies().refreshed(hei, iia_id, copy, T0)
    assert first.change.kind is CopyChangeKind.NEW
    held = first.book.get(hei, iia_id)
    assert held is not None
    assert held.our_iia_id is not None
    done = first.book.approve(hei, iia_id, our_iia_id=held.our_iia_id)
    assert done.record.iia_hash == declared
    assert done.notification.notifier_hei_id == copy.iia.partners[1].hei_id
    assert done.notification.iia_id == iia_id
    same = done.book.refreshed(hei, iia_id, copies_of(document)[0], T1)
    assert same.change.kind is CopyChangeKind.UNCHANGED
    modified = _modified(document)
    assert modified.hash_verified
    step = same.book.refreshed(hei, iia_id, modified, T2)
    assert step.change.kind is CopyChangeKind.CHANGED
    assert step.change.approval_outdated
    after = step.change.after
    assert after is not None
    assert after.approved is not None
    assert after.approved.iia_hash == declared != after.iia_hash
    assert after.iia_hash == modified.hash.sha256


def test_official_kit_example_is_held_but_not_valid_for_approval(reference_pack: Path) -> None:
    """The kit's own example carries not-yet-defined markers: kept, never approved."""
    (copy,) = copies_of(_example(reference_pack, "xsltkit-get-response-v7.xml"))
    assert copy.iia_id is not None
    book = PartnerCopies().refreshed(copy.hei_id, copy.iia_id, copy, T0).book
    with pytest.raises(ApprovalRefusedError) as refused:
        book.approve(copy.hei_id, copy.iia_id)
    assert refused.value.reason == "not-valid-for-approval"
    held = book.get(copy.hei_id, copy.iia_id)
    assert held is not None
    assert held.approved is None
