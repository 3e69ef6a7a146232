"""The write operations a node's steps use behave the same in memory and in SQLite.

A deleted IIA is no longer served (``delete`` answers whether it was); an LA
``put`` is served under its sending HEI, dated when given (on the store's
clock otherwise), and replaces that mobility's record; ``delete`` forgets it.
Each test runs on :class:`~ewp_client.server.repository.InMemoryIiaRepository`
/ :class:`~ewp_client.server.repository.InMemoryLaRepository` and on the
SQLite ones.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from ewp_client.clock import ManualClock
from ewp_client.errors import ConfigError
from ewp_client.ola import SendingLa
from ewp_client.server.repository import InMemoryIiaRepository, InMemoryLaRepository, StoredIia
from ewp_mock.data import UNI_A, UNI_B
from ewp_mock.store import SqliteIias, SqliteLas, SqliteState

from .conftest import T0, demo

KINDS = ["memory", "sqlite"]


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(T0)


@pytest.fixture(params=KINDS)
def iias(
    request: pytest.FixtureRequest, tmp_path: Path, clock: ManualClock
) -> Iterator[InMemoryIiaRepository | SqliteIias]:
    served = [StoredIia(s.iia, T0) for s in demo().served_iias(UNI_A)]
    if request.param == "memory":
        yield InMemoryIiaRepository(served, clock=clock)
        return
    with SqliteState.open(tmp_path / "node.db") as state:
        state.use_clock(clock)
        for stored in served:
            state.iias.put(stored)
        yield state.iias


@pytest.fixture(params=KINDS)
def las(
    request: pytest.FixtureRequest, tmp_path: Path, clock: ManualClock
) -> Iterator[InMemoryLaRepository | SqliteLas]:
    if request.param == "memory":
        yield InMemoryLaRepository({UNI_A: ()}, clock=clock)
        return
    with SqliteState.open(tmp_path / "node.db") as state:
        state.use_clock(clock)
        state.las.cover([UNI_A])
        yield state.las


def an_la() -> SendingLa:
    return demo().outgoing_las(UNI_A)[0]


def test_a_deleted_iia_is_no_longer_served(iias: InMemoryIiaRepository | SqliteIias) -> None:
    before = [s.iia_id for s in iias.iias_of(UNI_A)]
    gone = before[1]
    assert iias.delete(UNI_A.upper(), gone) is True
    assert iias.find(UNI_A, gone) is None
    assert [s.iia_id for s in iias.iias_of(UNI_A)] == [i for i in before if i != gone]
    assert iias.delete(UNI_A, gone) is False
    assert iias.delete(UNI_B, before[0]) is False  # another HEI's id: nothing deleted
    assert iias.find(UNI_A, before[0]) is not None


def test_an_la_put_is_served_under_its_sending_hei_dated_now(
    las: InMemoryLaRepository | SqliteLas, clock: ManualClock
) -> None:
    state = an_la()
    omobility_id = state.la.omobility_id
    assert las.find(UNI_A, omobility_id) is None
    clock.advance(timedelta(hours=2))
    las.put(state)
    assert las.find(UNI_A.upper(), omobility_id) == state
    assert las.las_of(UNI_A) == (state,)
    assert las.modified(UNI_A, omobility_id) == T0 + timedelta(hours=2)


def test_a_second_put_replaces_the_record_at_the_time_given(
    las: InMemoryLaRepository | SqliteLas,
) -> None:
    state = an_la()
    las.put(state, T0)
    amended = dataclasses.replace(
        state, la=dataclasses.replace(state.la, end_date=state.la.end_date + timedelta(days=14))
    )
    later = T0 + timedelta(days=1)
    las.put(amended, later)
    assert las.las_of(UNI_A) == (amended,)
    assert las.modified(UNI_A, state.la.omobility_id) == later
    assert las.replace(UNI_A, amended, state) is True  # the compare-and-swap sees the put


def test_a_put_covers_a_new_sending_hei(las: InMemoryLaRepository | SqliteLas) -> None:
    state = an_la()
    elsewhere = dataclasses.replace(
        state,
        la=dataclasses.replace(
            state.la, sending_hei=dataclasses.replace(state.la.sending_hei, hei_id=UNI_B)
        ),
    )
    assert not las.covers(UNI_B)
    las.put(elsewhere)
    assert las.covers(UNI_B)
    assert las.las_of(UNI_B) == (elsewhere,)
    assert las.las_of(UNI_A) == ()


def test_a_naive_change_time_is_refused(las: InMemoryLaRepository | SqliteLas) -> None:
    with pytest.raises(ConfigError, match="timezone-aware"):
        las.put(an_la(), datetime(2026, 3, 1, 12, 0))
    assert las.las_of(UNI_A) == ()


def test_a_deleted_la_is_forgotten(las: InMemoryLaRepository | SqliteLas) -> None:
    state = an_la()
    las.put(state)
    assert las.delete(UNI_A.upper(), state.la.omobility_id) is True
    assert las.find(UNI_A, state.la.omobility_id) is None
    assert las.modified(UNI_A, state.la.omobility_id) is None
    assert las.delete(UNI_A, state.la.omobility_id) is False
