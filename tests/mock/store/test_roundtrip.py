"""Every repository gives back, after the database is closed and opened again, what it was given."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from pathlib import Path

from ewp_client.clock import ManualClock
from ewp_client.cnr import MemoryOutboxStore, OutboxStore
from ewp_client.iia import ApprovalRecord
from ewp_client.security import generate_private_key
from ewp_client.server import (
    ApprovalRepository,
    DirectoryRepository,
    IiaRepository,
    WritableLaRepository,
)
from ewp_client.server.factsheet import FactsheetRepository
from ewp_client.server.repository import StoredIia
from ewp_mock.data import UNI_A, UNI_B
from ewp_mock.store import SqliteState

from .conftest import T0, demo, outbox_entry


def test_repositories_satisfy_the_server_protocols(db_path: Path) -> None:
    with SqliteState.open(db_path) as state:
        assert isinstance(state.iias, IiaRepository)
        assert isinstance(state.approvals, ApprovalRepository)
        assert isinstance(state.directory, DirectoryRepository)
        assert isinstance(state.las, WritableLaRepository)
        assert isinstance(state.factsheets, FactsheetRepository)
        assert isinstance(state.outbox, OutboxStore)


def test_the_demo_data_set_comes_back_equal(seeded: Path) -> None:
    with SqliteState.open(seeded) as state:
        assert not state.created
        assert state.dataset() == demo()


def test_a_split_data_set_keeps_partner_copies_and_received_las(db_path: Path) -> None:
    half = demo().only([UNI_A])
    assert half.heis[UNI_A].partner_iias
    assert half.heis[UNI_A].received_las
    with SqliteState.open(db_path) as state:
        state.seed(half)
    with SqliteState.open(db_path) as state:
        assert state.dataset() == half
        first = next(iter(half.heis[UNI_A].received_las.values()))
        assert state.incoming_las.get(UNI_A) == tuple(half.heis[UNI_A].received_las.values())
        assert state.incoming_las.get("nobody.example.org", ()) == ()
        sender, omobility_id = first.la.sending_hei.hei_id, first.la.omobility_id
        assert state.incoming_las.find(UNI_A.upper(), sender, omobility_id) == first
        (partner, iia_id), copy = next(iter(half.heis[UNI_A].partner_iias.items()))
        assert state.partner_iias.find(UNI_A, partner, iia_id) == copy
        assert state.partner_iias.delete(UNI_A, partner, iia_id)
        assert not state.partner_iias.delete(UNI_A, partner, iia_id)
    with SqliteState.open(db_path) as state:
        assert state.partner_iias.find(UNI_A, partner, iia_id) is None


def test_iias_keep_flags_change_times_and_lifecycle(db_path: Path) -> None:
    served = list(demo().heis[UNI_A].iias.served.values())
    approved = next(s for s in served if s.last_approved is not None and s.partner_hash)
    changed = T0 + timedelta(days=3, microseconds=17)
    with SqliteState.open(db_path) as state:
        plain = state.iias.put(StoredIia(served[0].iia, changed, approved_by_partner=True))
        full = state.iias.put_served(approved, T0)
        state.iias.delete(UNI_A, "gone-iia")
    with SqliteState.open(db_path) as state:
        assert state.iias.find(UNI_A, served[0].iia_id) == plain
        assert state.iias.find(UNI_A.upper(), approved.iia_id) == full
        assert full.approved_locally
        assert full.modified == T0
        assert state.iias.served(UNI_A, approved.iia_id) == approved
        assert state.iias.iias_of(UNI_A) == [plain, full]
        assert state.iias.iias_of(UNI_B) == []
        assert state.iias.find(UNI_A, "unknown") is None
        rebuilt = state.iias.served(UNI_A, served[0].iia_id)
        assert rebuilt is not None
        assert rebuilt.partner_approved_hash == rebuilt.iia_hash  # approved_by_partner
        assert state.iias.book(UNI_A).retired == frozenset({"gone-iia"})


def test_put_of_a_bare_iia_stamps_it_now(db_path: Path) -> None:
    iia = next(iter(demo().heis[UNI_A].iias.served.values())).iia
    before = datetime.now(UTC)
    with SqliteState.open(db_path) as state:
        stored = state.iias.put(iia)
    with SqliteState.open(db_path) as state:
        found = state.iias.find(UNI_A, stored.iia_id or "")
    assert found == stored
    assert found.modified is not None
    assert found.modified >= before


def test_save_book_writes_only_what_changed(seeded: Path) -> None:
    book = demo().heis[UNI_A].iias
    first, second, *_ = book.served
    with SqliteState.open(seeded) as state:
        kept = dataclasses.replace(
            book,
            served={k: v for k, v in book.served.items() if k != second},
            retired=book.retired | {second},
        )
        assert state.iias.save_book(UNI_A, kept, T0) == (second,)
        assert state.iias.save_book(UNI_A, kept, T0) == ()
    with SqliteState.open(seeded) as state:
        assert state.iias.book(UNI_A) == kept
        assert state.iias.find(UNI_A, first) is not None
        assert state.iias.find(UNI_A, first).modified is None  # type: ignore[union-attr]
        assert state.iias.find(UNI_A, second) is None


def test_approvals_directory_and_factsheets(db_path: Path) -> None:
    data = demo().heis[UNI_A]
    record = ApprovalRecord(
        partner_hei_id=UNI_B, iia_id="b-iia-9", iia_hash="ab" * 32, our_iia_id="a-9", pdf_file="p"
    )
    with SqliteState.open(db_path) as state:
        state.directory.put(data.institution, data.ounits)
        assert data.factsheet is not None
        state.factsheets.put(data.factsheet)
        state.approvals.put(UNI_A, record)
    with SqliteState.open(db_path) as state:
        assert state.directory.institution(UNI_A.upper()) == data.institution
        assert state.directory.ounits(UNI_A) == data.ounits
        assert state.directory.institution(UNI_B) is None
        assert state.directory.ounits(UNI_B) == ()
        assert state.directory.hei_ids == (UNI_A,)
        assert state.factsheets.factsheet(UNI_A) == data.factsheet
        assert state.factsheets.factsheet(UNI_B) is None
        assert state.approvals.approval(UNI_A, UNI_B.upper(), "b-iia-9") == record
        assert state.approvals.approval(UNI_B, UNI_A, "b-iia-9") is None
        assert state.approvals.remove(UNI_A, UNI_B, "b-iia-9")
        assert state.approvals.of(UNI_A) == ()


def test_las_keep_every_field_of_the_sending_record(db_path: Path) -> None:
    records = list(demo().heis[UNI_A].las.values())
    assert any(r.rejection for r in records)
    assert any(r.approved_student for r in records)
    odd = dataclasses.replace(records[0], unapproved_identity=frozenset({"given_names", "gender"}))
    with SqliteState.open(db_path) as state:
        for record in records:
            state.las.put(record)
        state.las.put(odd)
    with SqliteState.open(db_path) as state:
        assert state.las.las_of(UNI_A) == (odd, *records[1:])
        assert state.las.find(UNI_A, odd.la.omobility_id) == odd
        assert state.las.version(UNI_A, odd.la.omobility_id) == 2
        assert state.las.covers(UNI_A)
        assert not state.las.covers(UNI_B)
        state.las.cover([UNI_B])
        assert state.las.covers(UNI_B.upper())
        assert state.las.las_of(UNI_B) == ()


def test_admitted_keys_keep_their_heis_and_role(db_path: Path) -> None:
    one, two = generate_private_key().public_key(), generate_private_key().public_key()
    with SqliteState.open(db_path) as state:
        first = state.clients.admit(one, [UNI_A])
        state.clients.admit(one, [UNI_B])
        portal = state.clients.admit(two, stats_portal=True)
    with SqliteState.open(db_path) as state:
        keys = state.clients.all()
        assert [k.key_id for k in keys] == [first.key_id, portal.key_id]
        assert keys[0].heis == {UNI_A, UNI_B}
        assert not keys[0].stats_portal
        assert keys[1].heis == frozenset()
        assert keys[1].stats_portal
        assert state.clients.stats_portal_keys == {portal.key_id}
        info = keys[0].key_info()
        assert info.public_key.public_numbers() == one.public_numbers()
        assert info.heis == {UNI_A, UNI_B}


def test_outbox_entries_come_back_in_order_and_deleted_ones_stay_gone(db_path: Path) -> None:
    entries = [outbox_entry(f"iia-{i}") for i in range(5)]
    changed = dataclasses.replace(entries[2], revision=2, tries=3)
    memory = MemoryOutboxStore()
    with SqliteState.open(db_path) as state:
        for store in (state.outbox, memory):
            store.save(entries)
            store.save([changed])
            store.delete([entries[0].key, outbox_entry("never-saved").key])
    with SqliteState.open(db_path) as state:
        assert state.outbox.load() == memory.load() == [entries[1], changed, *entries[3:]]
        assert len(state.outbox) == 4


def test_las_and_iias_are_dated_on_the_state_clock(db_path: Path) -> None:
    clock = ManualClock(T0)
    la = next(iter(demo().heis[UNI_A].las.values()))
    iia = next(iter(demo().heis[UNI_A].iias.served.values())).iia
    with SqliteState.open(db_path, clock=clock) as state:
        state.las.put(la)
        assert state.las.modified(UNI_A, la.la.omobility_id) == T0
        assert state.las.modified(UNI_A, "no-such-mobility") is None
        clock.advance(timedelta(hours=1))
        assert state.las.replace(UNI_A, la, dataclasses.replace(la, rejection=None))
        assert state.las.modified(UNI_A, la.la.omobility_id) == T0 + timedelta(hours=1)
        assert state.iias.put(iia).modified == T0 + timedelta(hours=1)
    with SqliteState.open(db_path) as state:
        assert state.las.modified(UNI_A, la.la.omobility_id) == T0 + timedelta(hours=1)
