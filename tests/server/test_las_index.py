"""``modified_since`` over the in-memory repositories' change times, read from a clock.

The repository reads business time from a clock: an LA is changed when the repository is
made and again when an update replaces it, and ``index`` lists only what changed after
``modified_since``. A repository that keeps no change times lists everything.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

from ewp_client.clock import ManualClock
from ewp_client.codec import decode
from ewp_client.models import LasIndexResponse
from ewp_client.ola import SendingLa
from ewp_client.server import (
    LAS_INDEX,
    Caller,
    InMemoryIiaRepository,
    InMemoryLaRepository,
    answer_las_index,
)
from ewp_client.server.repository import LaChangeTimes, LaRepository
from tests.iia.served_copies import north
from tests.server.test_la_update import RECEIVER, SENDING, approved, changes_pending, signer

START = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def record(omobility_id: str, base: SendingLa) -> SendingLa:
    return dataclasses.replace(base, la=dataclasses.replace(base.la, omobility_id=omobility_id))


def listed(
    repository: LaRepository, since: str | None = None, caller: Caller = RECEIVER
) -> set[str]:
    query = f"sending_hei_id={SENDING}"
    if since is not None:
        query += f"&modified_since={since.replace('+', '%2B')}"
    params = LAS_INDEX.read(method="GET", query=query.encode())
    answer = answer_las_index(repository, caller=caller, params=params)
    assert answer.status == 200
    return set(decode(answer.body, LasIndexResponse).omobility_ids)


def test_las_loaded_now_are_listed_for_an_earlier_time_and_not_for_a_later_one() -> None:
    clock = ManualClock(START)
    repository = InMemoryLaRepository({SENDING: [record("om-1", approved())]}, clock=clock)
    assert repository.modified(SENDING, "om-1") == START
    assert listed(repository, "2026-03-01T11:59:59Z") == {"om-1"}
    assert listed(repository, "2026-03-01T12:00:00Z") == set()  # changed at, not after
    assert listed(repository, "2026-03-01T14:00:00+02:00") == set()
    assert listed(repository) == {"om-1"}


def test_a_replaced_la_carries_the_time_of_its_replacement() -> None:
    clock = ManualClock(START)
    pending = record("om-2", changes_pending())
    repository = InMemoryLaRepository({SENDING: [record("om-1", approved()), pending]}, clock=clock)
    clock.advance(timedelta(hours=3))
    assert pending.proposal_id is not None
    new = pending.approve(pending.proposal_id, signer(5)).state
    assert repository.replace(SENDING, pending, new)
    assert repository.modified(SENDING, "om-2") == START + timedelta(hours=3)
    assert repository.modified(SENDING, "om-1") == START
    assert listed(repository, "2026-03-01T13:00:00Z") == {"om-2"}
    assert listed(repository, "2026-03-01T11:00:00Z") == {"om-1", "om-2"}


def test_a_refused_replacement_keeps_the_time() -> None:
    clock = ManualClock(START)
    pending = record("om-2", changes_pending())
    repository = InMemoryLaRepository({SENDING: [pending]}, clock=clock)
    clock.advance(timedelta(hours=1))
    assert not repository.replace(SENDING, record("om-2", approved()), pending)
    assert repository.modified(SENDING, "om-2") == START


def test_a_repository_without_change_times_lists_everything() -> None:
    class Plain:
        def __init__(self, records: Iterable[SendingLa]) -> None:
            self.records = tuple(records)

        def covers(self, hei_id: str) -> bool:
            return hei_id == SENDING

        def las_of(self, hei_id: str) -> tuple[SendingLa, ...]:
            return self.records

    plain = Plain([record("om-1", approved())])
    assert not isinstance(plain, LaChangeTimes)
    assert listed(plain, "2999-01-01T00:00:00Z") == {"om-1"}


def test_an_iia_put_without_a_time_carries_the_repository_clock() -> None:
    clock = ManualClock(START)
    repository = InMemoryIiaRepository(clock=clock)
    clock.advance(timedelta(minutes=5))
    stored = repository.put(north("n-1", None))
    assert stored.modified == START + timedelta(minutes=5)
    assert repository.put(north("n-2", None), START).modified == START
