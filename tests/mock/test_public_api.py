"""What a mock user needs is importable from ``ewp_mock`` itself, and the README's example runs.

The README's "Mock partner in short" section names the public objects of the
mock; each must be exported by ``ewp_mock`` (the very object its module
defines), and its code block is run as written: a TLS node in this process,
read by the library's clients.
"""

from __future__ import annotations

import contextlib
import io
import json
import re
import subprocess
import sys
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


def test_importing_the_package_and_its_plugin_leaves_the_web_framework_out() -> None:
    """pytest loads the plugin wherever ewp-client is installed: it must cost no FastAPI."""
    code = (
        "import json, sys, ewp_mock, ewp_mock.pytest_plugin; "
        "web = {'fastapi', 'starlette', 'uvicorn', 'respx'}; "
        "before = sorted(web & {m.split('.')[0] for m in sys.modules}); "
        "ewp_mock.create_app; "
        "print(json.dumps([before, sorted(web & {m.split('.')[0] for m in sys.modules})]))"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr
    before, after = json.loads(proc.stdout)
    assert before == []
    assert {"fastapi", "starlette"} <= set(after)


def test_every_export_is_listed_and_unknown_names_raise_attribute_error() -> None:
    assert set(ewp_mock.__all__) <= set(dir(ewp_mock))
    with pytest.raises(AttributeError, match="has no attribute 'Nonexistent'"):
        ewp_mock.Nonexistent  # noqa: B018


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
