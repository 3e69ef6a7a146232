"""Named scenarios: the known problems, each declared as data from behaviours.

The built-in scenarios are in ``scenarios.toml`` next to this module; a user's
file has the same form and adds its own (``--scenario-file``, a test's
``tmp_path``), with no code::

    [[scenario]]
    name = "slow-iias"
    summary = "IIAs get answers after 2 s"
    api = "IIAs v7 get"

    [[scenario.behaviour]]
    type = "delay"            # a key of BEHAVIOUR_TYPES
    seconds = 2
    apis = ["iias"]           # optional: which APIs (default: the partner APIs)
    endpoints = ["get"]       # optional: which endpoints
    fraction = 0.5            # optional: this share of the requests (seeded, repeatable)

The behaviour's other keys are its fields (see
:mod:`ewp_mock.faults.behaviours`). Every scenario is parsed afresh for each
node, so that the random draws of a fraction start from the same seed.
"""

from __future__ import annotations

import functools
import tomllib
import typing
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, fields
from importlib import resources
from pathlib import Path
from typing import Any, Final

from ewp_client.errors import ConfigError

from .behaviours import BEHAVIOUR_TYPES, Behaviour, Stage
from .matching import Match

__all__ = [
    "BUILTIN_FILE",
    "Scenario",
    "ScenarioRegistry",
    "load_scenario_file",
    "parse_scenarios",
]

#: The data file of the built-in scenarios, in this package.
BUILTIN_FILE: Final = "scenarios.toml"
_MATCH_KEYS: Final = ("apis", "endpoints", "fraction")
_SCENARIO_KEYS: Final = frozenset({"name", "summary", "api", "behaviour"})


@dataclass(frozen=True, slots=True)
class Scenario:
    """A named problem: what it reproduces (``summary``), on which API, from which behaviours."""

    name: str
    summary: str
    api: str
    behaviours: tuple[Behaviour, ...]
    #: Where it was declared: ``built-in`` or the file's path.
    source: str = "built-in"

    @property
    def tls(self) -> bool:
        """Whether it changes the node's TLS certificate (made once, when the server starts)."""
        return any(b.stage is Stage.TLS for b in self.behaviours)

    def describe(self) -> str:
        """One line: ``name: summary [api]``."""
        return f"{self.name}: {self.summary} [{self.api}]"

    def as_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "summary": self.summary,
            "api": self.api,
            "source": self.source,
            "behaviours": [
                {
                    "type": b.TYPE,
                    "stage": str(b.stage),
                    "does": b.describe(),
                    "on": b.match.describe(),
                }
                for b in self.behaviours
            ],
        }


def _value(owner: str, key: str, hint: Any, value: Any) -> Any:
    """``value`` checked against the field's type ``hint`` (TOML arrays become tuples)."""
    origin = typing.get_origin(hint)
    if origin is tuple:
        (item, _) = typing.get_args(hint)
        if not isinstance(value, list) or not all(_is(item, v) for v in value):
            raise ConfigError(f"{owner}: {key} must be a list of {item.__name__}, not {value!r}")
        return tuple(value)
    if origin is frozenset:
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ConfigError(f"{owner}: {key} must be a list of names, not {value!r}")
        return frozenset(value)
    if not _is(hint, value):
        raise ConfigError(f"{owner}: {key} must be a {hint.__name__}, not {value!r}")
    return float(value) if hint is float else value


def _is(hint: Any, value: Any) -> bool:
    if hint is float:
        return isinstance(value, int | float) and not isinstance(value, bool)
    if hint is int:
        return isinstance(value, int) and not isinstance(value, bool)
    return isinstance(value, hint)


def _behaviour(owner: str, index: int, table: Mapping[str, Any]) -> Behaviour:
    kind = table.get("type")
    cls = BEHAVIOUR_TYPES.get(kind) if isinstance(kind, str) else None
    where = f"{owner}, behaviour {index + 1}"
    if cls is None:
        known = ", ".join(sorted(BEHAVIOUR_TYPES))
        raise ConfigError(f"{where}: type {kind!r} is not a behaviour; known: {known}")
    hints = typing.get_type_hints(cls)
    settable = {f.name for f in fields(cls) if f.init and not f.name.startswith("_")} - {"match"}
    unknown = sorted(set(table) - settable - set(_MATCH_KEYS) - {"type"})
    if unknown:
        raise ConfigError(
            f"{where} ({kind}): unknown key {', '.join(unknown)}; "
            f"it takes {', '.join(sorted(settable | set(_MATCH_KEYS)))}"
        )
    match_hints = typing.get_type_hints(Match)
    match = Match(
        **{k: _value(where, k, match_hints[k], table[k]) for k in _MATCH_KEYS if k in table},
        seed=f"{owner}#{index}",
    )
    values = {k: _value(where, k, hints[k], v) for k, v in table.items() if k in settable}
    return cls(match=match, **values)


def parse_scenarios(document: Mapping[str, Any], source: str) -> list[Scenario]:
    """The scenarios of a parsed scenario file (``source`` names it in errors)."""
    tables = document.get("scenario", [])
    extra = sorted(set(document) - {"scenario"})
    if extra or not isinstance(tables, list):
        raise ConfigError(f"{source}: a scenario file holds [[scenario]] tables only")
    scenarios = []
    for n, table in enumerate(tables, 1):
        name = table.get("name")
        if not isinstance(name, str) or not name or not name.replace("-", "").isalnum():
            raise ConfigError(f"{source}: scenario {n} needs a name of letters, digits and '-'")
        owner = f"{source}: scenario {name}"
        unknown = sorted(set(table) - _SCENARIO_KEYS)
        if unknown:
            raise ConfigError(f"{owner}: unknown key {', '.join(unknown)}")
        summary, api = table.get("summary", ""), table.get("api", "")
        if not isinstance(summary, str) or not summary or not isinstance(api, str):
            raise ConfigError(f"{owner}: needs a summary (and api, when given, is text)")
        declared = table.get("behaviour", [])
        if not isinstance(declared, list) or not declared:
            raise ConfigError(f"{owner}: needs at least one [[scenario.behaviour]]")
        behaviours = tuple(_behaviour(f"{owner}", i, b) for i, b in enumerate(declared))
        scenarios.append(Scenario(name, summary, api or "any", behaviours, source))
    return scenarios


def load_scenario_file(path: Path) -> list[Scenario]:
    """The scenarios declared in the TOML file ``path``; :class:`ConfigError` if unusable."""
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"scenario file {path}: cannot read: {exc.strerror or exc}") from exc
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"scenario file {path}: not TOML: {exc}") from exc
    return parse_scenarios(document, str(path))


@functools.cache
def _builtin_document() -> dict[str, Any]:
    text = resources.files(__package__).joinpath(BUILTIN_FILE).read_text(encoding="utf-8")
    return tomllib.loads(text)


class ScenarioRegistry:
    """The scenarios a node can use: the built-in ones and those of scenario files."""

    def __init__(self, scenarios: Iterable[Scenario]) -> None:
        self._scenarios: dict[str, Scenario] = {}
        for scenario in scenarios:
            known = self._scenarios.get(scenario.name)
            if known is not None:
                raise ConfigError(
                    f"scenario {scenario.name} is declared twice "
                    f"({known.source}, {scenario.source})"
                )
            self._scenarios[scenario.name] = scenario

    @classmethod
    def load(cls, files: Sequence[Path] = ()) -> ScenarioRegistry:
        """The built-in scenarios and those of ``files`` (parsed afresh)."""
        found = parse_scenarios(_builtin_document(), "built-in")
        for path in files:
            found.extend(load_scenario_file(Path(path)))
        return cls(found)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(self._scenarios)

    def __iter__(self) -> typing.Iterator[Scenario]:
        return iter(self._scenarios.values())

    def __len__(self) -> int:
        return len(self._scenarios)

    def get(self, name: str) -> Scenario:
        """The scenario ``name``; :class:`ConfigError` naming the known ones otherwise."""
        scenario = self._scenarios.get(name)
        if scenario is None:
            raise ConfigError(
                f"unknown scenario {name!r}; known: {', '.join(sorted(self._scenarios))}"
            )
        return scenario

    def resolve(self, names: Iterable[str]) -> tuple[Scenario, ...]:
        """The scenarios ``names`` (each once, in order); :class:`ConfigError` if one is unknown."""
        return tuple(self.get(n) for n in dict.fromkeys(names))
