"""The IIAs v7 get and index endpoints as sans-I/O handlers over an in-memory repository."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from ewp_client.codec import decode
from ewp_client.errors import ConfigError, Forbidden
from ewp_client.iia.hash import compute_iia_hashes
from ewp_client.models import IiasGetResponse, IiasIndexResponse, IiasStatsResponse
from ewp_client.server import (
    IIAS_GET,
    IIAS_INDEX,
    STATS_PORTAL_HEI,
    Caller,
    InMemoryIiaRepository,
    StoredIia,
)
from ewp_client.server.iias import answer_get, answer_index, answer_stats
from tests.iia.served_copies import NORTH, SOUTH, north

OTHER = "other.example.org"
MARCH = datetime(2025, 3, 1, tzinfo=UTC)
JUNE = datetime(2025, 6, 1, tzinfo=UTC)


def repository() -> InMemoryIiaRepository:
    return InMemoryIiaRepository(
        [StoredIia(north("n-1", "s-1"), MARCH), StoredIia(north("n-2", None), JUNE)]
    )


def get_ids(caller: Caller, query: bytes) -> list[str | None]:
    params = IIAS_GET.read(method="GET", query=query, limits={"max-iia-ids": 5})
    answer = answer_get(repository(), hei_id=NORTH, caller=caller, params=params)
    assert answer.status == 200
    response = decode(answer.body, IiasGetResponse)
    hashes = compute_iia_hashes(answer.body)
    assert [i.iia_hash for i in response.iias] == [h.sha256 for h in hashes]
    return [i.partners[0].iia_id for i in response.iias]


def index_ids(caller: Caller, query: bytes) -> tuple[str, ...]:
    params = IIAS_INDEX.read(method="GET", query=query)
    answer = answer_index(repository(), hei_id=NORTH, caller=caller, params=params)
    return decode(answer.body, IiasIndexResponse).iia_ids


def test_a_partner_gets_its_agreements_and_unknown_ids_are_left_out() -> None:
    south = Caller("k", frozenset({SOUTH}))
    assert get_ids(south, b"iia_id=n-2&iia_id=nope&iia_id=n-1&iia_id=n-2") == ["n-2", "n-1"]


def test_a_stranger_gets_an_empty_200_like_for_unknown_ids() -> None:
    stranger = Caller("k", frozenset({OTHER}))
    assert get_ids(stranger, b"iia_id=n-1") == []


def test_index_lists_what_get_shows_filtered_by_year_and_time() -> None:
    south = Caller("k", frozenset({SOUTH}))
    assert sorted(index_ids(south, b"")) == ["n-1", "n-2"]
    assert sorted(index_ids(south, b"receiving_academic_year_id=2027/2028")) == ["n-1", "n-2"]
    assert index_ids(south, b"receiving_academic_year_id=2030/2031") == ()
    assert index_ids(south, b"modified_since=2025-04-01T00:00:00%2B02:00") == ("n-2",)
    assert index_ids(Caller("k", frozenset({OTHER})), b"") == ()


def test_an_iia_of_unknown_change_time_is_always_listed() -> None:
    store = InMemoryIiaRepository([StoredIia(north("n-9"))])
    params = IIAS_INDEX.read(method="GET", query=b"modified_since=2999-01-01T00:00:00Z")
    answer = answer_index(
        store, hei_id=NORTH, caller=Caller("k", frozenset({SOUTH})), params=params
    )
    assert decode(answer.body, IiasIndexResponse).iia_ids == ("n-9",)


def test_a_stored_iia_needs_an_aware_time_and_an_id() -> None:
    with pytest.raises(ConfigError):
        StoredIia(north(), datetime(2025, 1, 1))
    with pytest.raises(ConfigError):
        InMemoryIiaRepository().put(north(north_id=None))  # type: ignore[arg-type]


def test_stats_count_by_approval_for_the_stats_portal_only() -> None:
    store = InMemoryIiaRepository(
        [
            StoredIia(north("n-1"), MARCH),
            StoredIia(north("n-2"), MARCH, approved_by_partner=True),
            StoredIia(north("n-3"), MARCH, approved_locally=True),
            StoredIia(north("n-4"), MARCH, approved_locally=True, approved_by_partner=True),
            StoredIia(north("n-5"), MARCH, approved_locally=True, approved_by_partner=True),
        ]
    )
    portal = Caller("k", frozenset({STATS_PORTAL_HEI}), stats_portal=True)
    stats = decode(answer_stats(store, hei_id=NORTH, caller=portal).body, IiasStatsResponse)
    assert stats == IiasStatsResponse(
        iia_fetchable=5,
        iia_local_unapproved_partner_approved=1,
        iia_local_approved_partner_unapproved=1,
        iia_both_approved=2,
    )
    with pytest.raises(Forbidden):
        answer_stats(store, hei_id=NORTH, caller=Caller("k", frozenset({SOUTH})))
