"""docs/mock-scenarios.md stays true: every built-in scenario and behaviour type is in it,
and its example file declares scenarios the node accepts."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from ewp_mock.faults import BEHAVIOUR_TYPES, ScenarioRegistry, parse_scenarios

DOCS = Path(__file__).resolve().parents[3] / "docs" / "mock-scenarios.md"


def test_every_built_in_scenario_and_behaviour_type_is_documented() -> None:
    text = DOCS.read_text("utf-8")
    rows = set(re.findall(r"^\| `([a-z0-9-]+)` \|", text, flags=re.MULTILINE))
    assert set(ScenarioRegistry.load().names) <= rows
    assert set(BEHAVIOUR_TYPES) <= rows
    assert rows <= set(ScenarioRegistry.load().names) | set(BEHAVIOUR_TYPES)


def test_the_documented_example_file_declares_usable_scenarios() -> None:
    (block,) = re.findall(r"```toml\n(.*?)```", DOCS.read_text("utf-8"), flags=re.DOTALL)
    scenarios = parse_scenarios(tomllib.loads(block), "docs")
    assert [s.name for s in scenarios] == ["slow-iias", "renamed-hei"]
    assert scenarios[0].behaviours[0].match.fraction == 0.5
