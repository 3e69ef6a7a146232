"""What a mock user needs is importable from ``ewp_mock`` itself, and the README's example runs.

The README's "Mock partner in short" section names the public objects of the
mock; each must be exported by ``ewp_mock`` (the very object its module
defines), and its code block is run as written: a TLS node in this process,
read by the library's clients.
"""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path

import pytest

import ewp_mock
from ewp_mock import app, config, data, exchange_log, node, server, state_dir, tls

README = Path(__file__).resolve().parents[2] / "README.md"

#: What a test suite running a partner reaches for (the brief of issue 11, point 4).
FIRST_NAMES = [
    "DEFAULT_HEI",
    "UNI_A",
    "UNI_B",
    "Dataset",
    "ExchangeLog",
    "IdLimits",
    "LocalCa",
    "MockConfig",
    "MockNode",
    "MockServer",
    "ServerLimits",
    "StateDir",
    "bind_socket",
    "create_app",
    "demo_dataset",
    "load_dataset",
    "node_of_app",
    "prepare_tls",
]


def _section() -> str:
    text = README.read_text(encoding="utf-8")
    start = text.index("## Mock partner in short\n")
    end = text.index("\n## ", start + 1)
    return text[start:end]


def _code(section: str) -> str:
    match = re.search(r"```python\n(.*?)```", section, flags=re.DOTALL)
    assert match is not None, "the mock section has no Python example"
    return match.group(1)


def _named(section: str) -> set[str]:
    """Identifiers in backticks (``create_app(config)`` counts as ``create_app``)."""
    names = set()
    for quoted in re.findall(r"`([^`\n]+)`", section):
        match = re.fullmatch(r"([A-Za-z_]\w*)(\(.*\))?", quoted)
        if match:
            names.add(match.group(1))
    return names - {"ewp_mock"}


def test_the_first_names_are_exported() -> None:
    assert [n for n in FIRST_NAMES if n not in ewp_mock.__all__] == []


def test_every_name_the_readme_section_gives_is_exported() -> None:
    section = _section()
    named = _named(section)
    assert {"MockServer", "Dataset", "serve_forever", "DEFAULT_HEI"} <= named
    imported = re.search(r"from ewp_mock import \((.*?)\)", _code(section), flags=re.DOTALL)
    assert imported is not None
    named |= {n.strip() for n in imported.group(1).split(",") if n.strip()}
    assert sorted(n for n in named if n not in ewp_mock.__all__) == []


def test_exports_are_the_objects_their_modules_define() -> None:
    pairs = [
        (ewp_mock.IdLimits, config.IdLimits),
        (ewp_mock.MockConfig, config.MockConfig),
        (ewp_mock.ExchangeLog, exchange_log.ExchangeLog),
        (ewp_mock.ServerLimits, server.ServerLimits),
        (ewp_mock.MockServer, server.MockServer),
        (ewp_mock.StateDir, state_dir.StateDir),
        (ewp_mock.LocalCa, tls.LocalCa),
        (ewp_mock.MockNode, node.MockNode),
        (ewp_mock.Dataset, data.Dataset),
        (ewp_mock.demo_dataset, data.demo_dataset),
        (ewp_mock.load_dataset, data.load_dataset),
        (ewp_mock.prepare_tls, app.prepare_tls),
    ]
    assert [a is b for a, b in pairs] == [True] * len(pairs)
    assert ewp_mock.DEFAULT_HEI == ewp_mock.UNI_A == data.UNI_A
    assert ewp_mock.UNI_B == data.UNI_B
    assert [n for n in ewp_mock.__all__ if not hasattr(ewp_mock, n)] == []


@pytest.mark.filterwarnings("ignore::ResourceWarning")
def test_the_readme_example_runs_and_sees_the_demo_data() -> None:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(_code(_section()), str(README), "exec"), {"__name__": "readme_example"})
    demo = ewp_mock.demo_dataset()
    iias = tuple(s.iia_id for s in demo.served_iias(ewp_mock.UNI_A))
    printed = out.getvalue()
    assert repr(iias) in printed
    assert "'la-approved'" in printed
    assert "'la-draft'" not in printed
