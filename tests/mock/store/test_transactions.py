"""Transactions group writes; a compare-and-swap ``replace`` lets one concurrent update win."""

from __future__ import annotations

import dataclasses
import threading
from pathlib import Path

import pytest

from ewp_client.errors import ConfigError, StateDbError
from ewp_client.iia import ApprovalRecord
from ewp_client.ola import SendingLa
from ewp_mock.data import UNI_A, UNI_B
from ewp_mock.store import SqliteState

from .conftest import outbox_entry


def _record(iia_id: str) -> ApprovalRecord:
    return ApprovalRecord(partner_hei_id=UNI_B, iia_id=iia_id, iia_hash="cd" * 32)


def _marked(state: SendingLa, mark: str) -> SendingLa:
    return dataclasses.replace(state, unapproved_identity=frozenset({mark}))


class Interrupted(Exception):
    """The node failed in the middle of a change."""


def _change(state: SqliteState, name: str, *, fail: bool = False) -> None:
    """A change and its notification, in one transaction; ``fail`` stops it before the end."""
    with state.transaction():
        state.approvals.put(UNI_A, _record(name))
        state.outbox.save([outbox_entry(name)])
        if fail:
            raise Interrupted(name)


def _nested(state: SqliteState) -> None:
    with state.transaction():
        state.outbox.save([outbox_entry("outer")])
        with pytest.raises(Interrupted, match="inner"):
            _inner(state)
        state.outbox.save([outbox_entry("after")])


def _inner(state: SqliteState) -> None:
    with state.transaction():
        state.outbox.save([outbox_entry("inner")])
        raise Interrupted("inner")


def test_a_change_and_its_notification_commit_together_or_not_at_all(seeded: Path) -> None:
    with SqliteState.open(seeded) as state:
        _change(state, "kept")
        with pytest.raises(Interrupted, match="lost"):
            _change(state, "lost", fail=True)
    with SqliteState.open(seeded) as state:
        assert state.approvals.approval(UNI_A, UNI_B, "kept") is not None
        assert state.approvals.approval(UNI_A, UNI_B, "lost") is None
        assert [e.key.object_id for e in state.outbox.load()] == ["kept"]


def test_a_nested_block_that_fails_is_undone_alone(db_path: Path) -> None:
    with SqliteState.open(db_path) as state:
        _nested(state)
    with SqliteState.open(db_path) as state:
        assert [e.key.object_id for e in state.outbox.load()] == ["outer", "after"]


def test_replace_refuses_a_stale_record_and_another_mobility(seeded: Path) -> None:
    with SqliteState.open(seeded) as state:
        current = state.las.find(UNI_A, "la-awaiting")
        other = state.las.find(UNI_A, "la-approved")
        assert current is not None
        assert other is not None
        first = _marked(current, "first")
        assert state.las.replace(UNI_A, current, first)
        assert not state.las.replace(UNI_A, current, _marked(current, "second"))
        assert state.las.find(UNI_A, "la-awaiting") == first
        assert not state.las.replace(UNI_A, _marked(current, "unknown"), first)
        with pytest.raises(ConfigError):
            state.las.replace(UNI_A, first, other)
        assert state.las.version(UNI_A, "la-awaiting") == 2


def _race(state: SqliteState, current: SendingLa, marks: tuple[str, str]) -> dict[str, bool]:
    """Two threads replace ``current`` at once, each by its own mark; what each got."""
    barrier = threading.Barrier(len(marks))
    results: dict[str, bool] = {}

    def update(mark: str) -> None:
        new = _marked(current, mark)
        barrier.wait()
        results[mark] = state.las.replace(UNI_A, current, new)

    threads = [threading.Thread(target=update, args=(m,)) for m in marks]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def test_two_threads_replacing_the_same_version_one_wins(seeded: Path) -> None:
    with SqliteState.open(seeded) as state:
        for round_ in range(20):
            current = state.las.find(UNI_A, "la-approved")
            assert current is not None
            results = _race(state, current, (f"a-{round_}", f"b-{round_}"))
            assert sorted(results.values()) == [False, True]
            winner = next(m for m, won in results.items() if won)
            assert state.las.find(UNI_A, "la-approved") == _marked(current, winner)


def test_no_update_is_lost_when_threads_retry_their_swaps(seeded: Path) -> None:
    per_thread, names = 15, ("a", "b", "c")
    with SqliteState.open(seeded) as state:
        start = state.las.find(UNI_A, "la-approved")
        assert start is not None
        state.las.put(_marked(start, "0"))

        def count(_: str) -> None:
            done = 0
            while done < per_thread:
                current = state.las.find(UNI_A, "la-approved")
                assert current is not None
                (value,) = current.unapproved_identity
                if state.las.replace(UNI_A, current, _marked(current, str(int(value) + 1))):
                    done += 1

        threads = [threading.Thread(target=count, args=(n,)) for n in names]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    with SqliteState.open(seeded) as state:
        final = state.las.find(UNI_A, "la-approved")
        assert final is not None
        assert final.unapproved_identity == {str(per_thread * len(names))}


def test_a_closed_state_says_so(db_path: Path) -> None:
    state = SqliteState.open(db_path)
    state.close()
    state.close()
    assert state.closed
    with pytest.raises(StateDbError) as caught:
        state.las.find(UNI_A, "x")
    assert caught.value.reason == "closed"


def test_another_thread_never_sees_a_transaction_half_done(seeded: Path) -> None:
    with SqliteState.open(seeded) as state:
        start = state.las.find(UNI_A, "la-approved")
        assert start is not None
        opened, started = threading.Event(), threading.Event()
        seen: list[SendingLa | None] = []

        def reader() -> None:
            opened.wait()
            started.set()
            seen.append(state.las.find(UNI_A, "la-approved"))

        thread = threading.Thread(target=reader)
        thread.start()
        with state.transaction():
            state.las.put(_marked(start, "half"))
            opened.set()
            started.wait()
            state.las.put(_marked(start, "done"))
        thread.join()
        assert seen == [_marked(start, "done")]
