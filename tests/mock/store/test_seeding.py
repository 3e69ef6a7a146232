"""The ``--data`` rule: a data set seeds a new or empty database; a full one is used as it is."""

from __future__ import annotations

import json
from pathlib import Path

from ewp_client.security import generate_private_key
from ewp_mock.data import UNI_A, Dataset
from ewp_mock.store import SqliteState

from .conftest import demo, fingerprint, outbox_entry


def test_a_new_database_is_seeded_and_says_from_what(db_path: Path) -> None:
    with SqliteState.open(db_path) as state:
        assert state.created
        assert state.is_empty()
        assert state.seed(demo(), source="/data/demo")
        assert not state.is_empty()
        seeded = json.loads(state.meta()["seeded"])
    assert seeded["source"] == "/data/demo"
    with SqliteState.open(db_path) as state:
        assert state.dataset() == demo()


def test_a_database_holding_data_is_not_seeded_again(seeded: Path) -> None:
    other = demo().only([UNI_A])
    with SqliteState.open(seeded) as state:
        meta = state.meta()
        assert not state.seed(other, source="elsewhere")
        assert state.meta() == meta
        counts = state.counts()
        assert counts["heis"] == len(demo().heis)
        assert counts["las"] == sum(len(h.las) for h in demo().heis.values())
        assert counts["outbox"] == counts["clients"] == 0
        assert state.dataset() == demo()


def test_a_pending_notification_alone_makes_it_not_empty(db_path: Path) -> None:
    with SqliteState.open(db_path) as state:
        state.outbox.save([outbox_entry("x")])
        assert not state.is_empty()
        assert not state.seed(demo())
        assert state.directory.hei_ids == ()


def test_admitted_keys_alone_leave_it_empty(db_path: Path) -> None:
    with SqliteState.open(db_path) as state:
        state.clients.admit(generate_private_key().public_key(), [UNI_A])
        assert state.is_empty()
        assert state.seed(demo())
        assert len(state.clients.all()) == 1


def test_an_empty_data_set_leaves_the_database_empty(db_path: Path) -> None:
    with SqliteState.open(db_path) as state:
        assert state.seed(Dataset())
        assert state.is_empty()
        assert "seeded" in state.meta()


def test_a_refused_seed_writes_nothing(seeded: Path) -> None:
    with SqliteState.open(seeded) as state:
        state.outbox.save([outbox_entry("x")])
    before = fingerprint(seeded)
    with SqliteState.open(seeded) as state:
        assert not state.seed(demo())
    assert fingerprint(seeded) == before
