"""The table catches broken partners: the mock is broken on purpose, and its rules must fail.

The official validator keeps, next to its suites, reference services broken
in one way each and checks that its suite reports them. Here the mock is
broken in one way at a time (a patched server-half function, undone after the
test) and the table's cases for the rule that guards against it are judged:
at least one must fail, or the rule cannot fail and is a defect of this suite.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import pytest

from ewp_client.security import ResponseSigner
from ewp_client.server import EndpointRules, Param

from .cases import Case, all_cases
from .harness import FORM
from .judge import judge

Patch = Callable[[pytest.MonkeyPatch], None]


def _leak(monkeypatch: pytest.MonkeyPatch) -> None:
    """Show every IIA and LA to whoever asks."""

    def everything(caller: object, items: Iterable[Any], heis_of: object) -> list[Any]:
        return list(items)

    monkeypatch.setattr("ewp_client.server.iias.visible", everything)
    monkeypatch.setattr("ewp_client.server.las.visible", everything)


def _open_stats(monkeypatch: pytest.MonkeyPatch) -> None:
    """Serve statistics to any caller."""

    def anyone(caller: object, *, open_stats: bool = False) -> None:
        return None

    for module in ("ewp_client.server.iias", "ewp_client.server.las", "ewp_mock.routes.cnr"):
        monkeypatch.setattr(f"{module}.check_stats_access", anyone)


def _bent_param(change: Callable[[Param], Param], drop_limits: bool = False) -> Patch:
    original = EndpointRules._check_param

    def check(
        self: EndpointRules, param: Param, values: list[str], limits: Mapping[str, int]
    ) -> None:
        original(self, change(param), values, {} if drop_limits else limits)

    def patch(monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setattr(EndpointRules, "_check_param", check)

    return patch


def _unsigned_answers(monkeypatch: pytest.MonkeyPatch) -> None:
    """Never sign a response, even when asked."""

    def no_headers(self: ResponseSigner, **kwargs: object) -> tuple[tuple[str, str], ...]:
        return ()

    monkeypatch.setattr(ResponseSigner, "sign", no_headers)


def _no_charset(monkeypatch: pytest.MonkeyPatch) -> None:
    """Refuse a form whose Content-Type names any charset."""
    monkeypatch.setattr(
        "ewp_client.server.params._charset", lambda parameters: parameters.strip() or None
    )


@dataclass(frozen=True)
class Broken:
    """A way to break the mock, the cases that guard against it, and whether every one of
    them must notice (``everywhere``) or only some (another rule may refuse the request too:
    a required ``sending_hei_id`` left out is also an unknown sending HEI)."""

    id: str
    patch: Patch
    caught_by: Callable[[Case], bool]
    everywhere: bool = True


#: The endpoints whose answers go through ``visible`` (approvals are kept per caller's HEI).
VISIBLE: frozenset[str] = frozenset(
    {"IIAs get", "IIAs index", "OMobility LAs get", "OMobility LAs index"}
)


BROKEN = [
    Broken(
        "leaks-iias-and-las",
        _leak,
        lambda c: c.rule == "forbidden" and c.endpoint.name in VISIBLE,
    ),
    Broken("stats-for-anyone", _open_stats, lambda c: c.rule == "stats-forbidden"),
    Broken(
        "ignores-max-ids",
        _bent_param(lambda p: p, drop_limits=True),
        lambda c: c.rule.startswith("over-max-"),
    ),
    Broken(
        "takes-repeats-of-single-valued",
        _bent_param(lambda p: dataclasses.replace(p, repeatable=True)),
        lambda c: c.rule.startswith("repeated-"),
    ),
    Broken(
        "optional-required-parameters",
        _bent_param(lambda p: dataclasses.replace(p, required=False)),
        lambda c: c.rule.startswith("missing-"),
        everywhere=False,
    ),
    Broken(
        "no-value-checks",
        _bent_param(lambda p: dataclasses.replace(p, check=None)),
        lambda c: c.rule.startswith("bad-"),
    ),
    Broken("never-signs", _unsigned_answers, lambda c: c.ask_signed),
    Broken(
        "refuses-charset",
        _no_charset,
        lambda c: c.content_type == f"{FORM}; charset=utf-8",
    ),
]


@pytest.mark.parametrize("broken", BROKEN, ids=[b.id for b in BROKEN])
async def test_the_table_catches(broken: Broken, monkeypatch: pytest.MonkeyPatch) -> None:
    guarding = [c for c in all_cases() if broken.caught_by(c)]
    assert guarding, f"no case guards against {broken.id}"
    broken.patch(monkeypatch)
    caught = 0
    for case in guarding:
        try:
            await judge(case)
        except Exception:  # an assertion, or the response verifier's refusal
            caught += 1
    assert caught > 0, f"the table did not notice: {broken.id}"
    if broken.everywhere:
        missed = len(guarding) - caught
        assert missed == 0, f"{broken.id}: {missed} of {len(guarding)} cases did not notice"
