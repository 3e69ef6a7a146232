"""Business time: the system clock, a manual clock tests set and advance, a shifted clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from ewp_client.clock import Clock, ManualClock, ShiftedClock, SystemClock, as_utc
from ewp_client.errors import ConfigError

START = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
CET = timezone(timedelta(hours=1))


def test_every_clock_is_a_clock_and_answers_aware_utc() -> None:
    for clock in (SystemClock(), ManualClock(START), ShiftedClock(), ManualClock()):
        assert isinstance(clock, Clock)
        now = clock.now()
        assert now.tzinfo is UTC


def test_a_manual_clock_stands_still_until_advanced() -> None:
    clock = ManualClock(START)
    assert clock.now() == clock.now() == START
    assert clock.advance(timedelta(hours=24)) == START + timedelta(days=1)
    assert clock.now() == datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def test_a_manual_clock_converts_aware_times_to_utc() -> None:
    clock = ManualClock(datetime(2026, 3, 1, 10, 0, tzinfo=CET))
    assert clock.now() == START
    assert clock.now().tzinfo is UTC
    clock.set(datetime(2026, 3, 1, 12, 0, tzinfo=CET))
    assert clock.now() == datetime(2026, 3, 1, 11, 0, tzinfo=UTC)
    assert clock.now().tzinfo is UTC


def test_naive_times_are_refused() -> None:
    with pytest.raises(ConfigError, match="timezone-aware"):
        ManualClock(datetime(2026, 3, 1, 9, 0))
    clock = ManualClock(START)
    with pytest.raises(ConfigError, match="timezone-aware"):
        clock.set(datetime(2026, 3, 2, 9, 0))
    assert clock.now() == START
    with pytest.raises(ConfigError):
        as_utc(datetime(2026, 3, 2))


def test_a_manual_clock_goes_back_only_when_asked() -> None:
    clock = ManualClock(START)
    with pytest.raises(ConfigError, match="allow_backwards"):
        clock.set(START - timedelta(seconds=1))
    with pytest.raises(ConfigError, match="positive"):
        clock.advance(timedelta(seconds=-1))
    assert clock.now() == START
    assert clock.set(START - timedelta(days=1), allow_backwards=True) == START - timedelta(days=1)
    assert clock.now() == START - timedelta(days=1)


def test_setting_the_same_time_or_later_is_allowed() -> None:
    clock = ManualClock(START)
    assert clock.set(START) == START
    assert clock.set(START + timedelta(minutes=5)) == START + timedelta(minutes=5)


class _Fixed:
    def __init__(self, now: datetime) -> None:
        self.value = now

    def now(self) -> datetime:
        return self.value


def test_a_shifted_clock_follows_its_base_ahead_by_its_offset() -> None:
    base = _Fixed(START)
    clock = ShiftedClock(base, offset=timedelta(hours=1))
    assert clock.now() == START + timedelta(hours=1)
    base.value = START + timedelta(minutes=10)  # real time flows on
    assert clock.now() == START + timedelta(hours=1, minutes=10)
    assert clock.advance(timedelta(days=1)) == START + timedelta(days=1, hours=1, minutes=10)
    assert clock.offset == timedelta(days=1, hours=1)
    with pytest.raises(ConfigError):
        clock.advance(timedelta(seconds=-1))
    with pytest.raises(ConfigError):
        ShiftedClock(base, offset=timedelta(seconds=-1))
    assert clock.offset == timedelta(days=1, hours=1)


def test_the_system_clock_is_the_real_time() -> None:
    before = datetime.now(UTC)
    now = SystemClock().now()
    after = datetime.now(UTC)
    assert before <= now <= after
