"""Who may see what: the caller a signature proves, IIAs and LAs by HEI, stats by role."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from ewp_client.errors import Forbidden
from ewp_client.security import VerifyResult
from ewp_client.server import (
    STATS_PORTAL_HEI,
    Caller,
    check_stats_access,
    error_answer,
    may_read_stats,
    visible,
)


def verified(key_id: str = "k1", heis: tuple[str, ...] = ("Uni-A.example.org",)) -> VerifyResult:
    return VerifyResult(
        key_id=key_id, covered=(), headers=(), body=b"", signature="s", heis=frozenset(heis)
    )


@dataclass(frozen=True)
class Agreement:
    iia_id: str
    partners: tuple[str | None, ...]


AGREEMENTS = [
    Agreement("1", ("uni-a.example.org", "uni-b.example.org")),
    Agreement("2", ("uni-b.example.org", "uni-c.example.org")),
    Agreement("3", ("uni-c.example.org", None)),
]


def test_a_caller_sees_the_agreements_of_its_heis_only() -> None:
    caller = Caller.from_verified(verified())
    shown = visible(caller, AGREEMENTS, lambda a: a.partners)
    assert [a.iia_id for a in shown] == ["1"]


def test_hei_ids_compare_case_insensitively() -> None:
    caller = Caller.from_verified(verified(heis=("UNI-C.example.org",)))
    assert [a.iia_id for a in visible(caller, AGREEMENTS, lambda a: a.partners)] == ["2", "3"]
    assert caller.covers("uni-c.EXAMPLE.org")
    assert not caller.covers(None)


def test_a_key_covering_no_hei_sees_nothing_but_is_a_caller() -> None:
    caller = Caller.from_verified(verified(heis=()))
    assert visible(caller, AGREEMENTS, lambda a: a.partners) == []
    assert caller.key_id == "k1"
    assert not caller.stats_portal


def test_the_stats_portal_is_known_by_its_hei() -> None:
    portal = Caller.from_verified(verified(heis=(STATS_PORTAL_HEI,)))
    assert portal.stats_portal
    assert may_read_stats(portal)
    check_stats_access(portal)


def test_a_key_can_be_admitted_in_the_stats_portal_role() -> None:
    caller = Caller.from_verified(verified(key_id="k9"), stats_portal_keys={"k9"})
    assert caller.stats_portal
    assert not Caller.from_verified(verified(key_id="k8"), stats_portal_keys={"k9"}).stats_portal


def test_others_get_a_403_for_stats_unless_stats_are_open() -> None:
    caller = Caller.from_verified(verified())
    with pytest.raises(Forbidden) as caught:
        check_stats_access(caller)
    assert caught.value.status == 403
    assert error_answer(caught.value).status == 403
    assert STATS_PORTAL_HEI in str(caught.value)
    assert may_read_stats(caller, open_stats=True)
    check_stats_access(caller, open_stats=True)
