"""The outbox's backoff: the exact schedule, the cap, the jitter, and the settings refused."""

from __future__ import annotations

from datetime import timedelta

import pytest

from ewp_client.cnr import Backoff
from ewp_client.errors import ConfigError

S = timedelta(seconds=1)


def test_the_default_schedule_doubles_from_30_seconds_up_to_an_hour() -> None:
    assert Backoff().schedule(10) == [
        30 * S,
        60 * S,
        120 * S,
        240 * S,
        480 * S,
        960 * S,
        1920 * S,
        3600 * S,  # 3840 s capped
        3600 * S,
        3600 * S,
    ]


def test_base_factor_and_cap_are_configurable() -> None:
    backoff = Backoff(base=timedelta(seconds=5), factor=3, cap=timedelta(minutes=2))
    assert [backoff.delay(n) for n in range(1, 6)] == [5 * S, 15 * S, 45 * S, 120 * S, 120 * S]


def test_a_factor_of_one_is_a_constant_delay() -> None:
    assert Backoff(base=timedelta(minutes=1), factor=1).schedule(3) == [timedelta(minutes=1)] * 3


def test_a_huge_failure_count_stays_at_the_cap() -> None:
    assert Backoff(factor=10).delay(10_000) == timedelta(hours=1)


def test_jitter_shortens_each_wait_by_up_to_its_fraction() -> None:
    backoff = Backoff(base=timedelta(seconds=100), cap=timedelta(seconds=1000), jitter=0.5)
    assert backoff.delay(1, random=lambda: 0.0) == timedelta(seconds=100)
    assert backoff.delay(1, random=lambda: 0.5) == timedelta(seconds=75)
    assert backoff.delay(2, random=lambda: 0.999) == timedelta(seconds=100.1)
    full = Backoff(base=timedelta(seconds=100), jitter=1.0)
    assert full.delay(1, random=lambda: 0.25) == timedelta(seconds=75)
    # the schedule is the policy without jitter
    assert backoff.schedule(2) == [100 * S, 200 * S]


def test_without_jitter_the_random_source_is_not_used() -> None:
    def boom() -> float:
        raise AssertionError("drawn")

    assert Backoff().delay(2, random=boom) == 60 * S


@pytest.mark.parametrize(
    "options",
    [
        {"base": timedelta(0)},
        {"base": -S},
        {"factor": 0.5},
        {"factor": float("nan")},
        {"cap": 10 * S},  # below the 30 s base
        {"jitter": -0.1},
        {"jitter": 1.5},
    ],
)
def test_unusable_settings_are_refused(options: dict[str, object]) -> None:
    with pytest.raises(ConfigError):
        Backoff(**options)  # type: ignore[arg-type]


def test_a_delay_is_computed_after_a_failure() -> None:
    with pytest.raises(ConfigError):
        Backoff().delay(0)
