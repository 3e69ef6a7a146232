"""One CLI contract for every command of ``ewp`` and ``ewp-mock``, asserted as a table.

For every command that reads a file and every bad input (missing file,
directory, empty file, not XML, wrong namespace, wrong document type):

* the exit status is the one the contract gives (2; ``ewp validate`` answers 1
  for a readable file that is not well-formed XML, and 0 for a valid document
  of another type, which is its verdict);
* stderr names the file once, as the prefix (``FILE: message`` or
  ``FILE:LINE: message``), and shows no traceback and no Python repr;
* with ``--json``, stdout is exactly one JSON document, and the failure in it
  has the one error shape ``{"file", "error": {"kind", "message", "line"}}``:
  the failed file's entry of a per-file list, or the whole document.

Commands run in-process through their ``main(argv)``; two run as processes.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from argparse import SUPPRESS
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from importlib.util import find_spec
from pathlib import Path
from typing import Any

import pytest

import ewp_client
from ewp_client.cli import build_parser as build_ewp_parser
from ewp_client.cli import main as ewp_main
from ewp_client.codec import encode
from ewp_client.errors import (
    ConfigError,
    EwpError,
    IiaHashError,
    SignatureMismatchError,
    TransportError,
)
from ewp_client.models import IiasGetResponse, LasGetResponse
from ewp_client.namespaces import ECHO_NS
from ewp_client.security import generate_private_key, public_key_pem
from ewp_mock.cli import build_parser as build_mock_parser
from ewp_mock.cli import main as mock_main
from tests.codec.samples import learning_agreement
from tests.iia.test_lifecycle import agreement
from tests.registry.helpers import network_xml

Main = Callable[[list[str]], int]

BAD_INPUTS = ("missing", "directory", "empty", "not-xml", "wrong-namespace", "wrong-type")

#: The kind each bad input gets from a command that reads XML.
XML_KINDS = {
    "missing": "unreadable",
    "directory": "unreadable",
    "empty": "malformed-xml",
    "not-xml": "malformed-xml",
    "wrong-namespace": "wrong-document",
    "wrong-type": "wrong-document",
}
#: ... and from a command that reads a key.
KEY_KINDS = {
    name: "unreadable" if name in ("missing", "directory") else "not-a-key" for name in BAD_INPUTS
}


@dataclass(frozen=True)
class Command:
    """One row of the table: how to run a command with a bad input in one of its slots."""

    name: str
    argv: Callable[[dict[str, str], str], list[str]]
    kinds: dict[str, str]
    #: exit status per bad input, where it is not 2
    status: dict[str, int]
    #: ``list``: a per-file list; ``single``: one result; ``None``: the command has no --json
    json: str | None = "single"
    main: Main = ewp_main
    #: how messages name the file: the path, or the option and the path
    label: Callable[[str], str] = str


COMMANDS = [
    Command(
        "ewp validate",
        lambda good, bad: ["validate", good["echo"], bad],
        XML_KINDS,
        {"empty": 1, "not-xml": 1, "wrong-type": 0},
        json="list",
    ),
    Command(
        "ewp iia hash",
        lambda good, bad: ["iia", "hash", good["iia"], bad],
        XML_KINDS,
        {},
        json="list",
    ),
    Command("ewp iia verify", lambda good, bad: ["iia", "verify", bad], XML_KINDS, {}),
    Command("ewp iia diff", lambda good, bad: ["iia", "diff", good["iia"], bad], XML_KINDS, {}),
    Command(
        "ewp iia diff (first)", lambda good, bad: ["iia", "diff", bad, good["iia"]], XML_KINDS, {}
    ),
    Command(
        "ewp iia compare", lambda good, bad: ["iia", "compare", good["iia"], bad], XML_KINDS, {}
    ),
    Command(
        "ewp la classify", lambda good, bad: ["la", "classify", good["la"], bad], XML_KINDS, {}
    ),
    Command(
        "ewp la classify (first)",
        lambda good, bad: ["la", "classify", bad, good["la"]],
        XML_KINDS,
        {},
    ),
    Command("ewp la proposal-id", lambda good, bad: ["la", "proposal-id", bad], XML_KINDS, {}),
    Command("ewp keys fingerprint", lambda good, bad: ["keys", "fingerprint", bad], KEY_KINDS, {}),
    Command(
        "ewp registry show", lambda good, bad: ["registry", "show", "--url", bad], XML_KINDS, {}
    ),
    Command(
        "ewp registry lookup",
        lambda good, bad: [
            "registry",
            "lookup",
            "--hei",
            "a.example",
            "--api",
            "echo",
            "--url",
            bad,
        ],
        XML_KINDS,
        {},
    ),
    Command(
        "ewp-mock serve --server-key",
        lambda good, bad: ["serve", "--server-key", bad],
        KEY_KINDS,
        {},
        json=None,
        main=mock_main,
        label=lambda bad: f"--server-key {bad}",
    ),
    Command(
        "ewp-mock serve --client-key",
        lambda good, bad: ["serve", "--client-key", bad],
        KEY_KINDS,
        {},
        json=None,
        main=mock_main,
        label=lambda bad: f"--client-key {bad}",
    ),
    Command(
        "ewp-mock serve --admit",
        lambda good, bad: ["serve", "--admit", f"{bad}=ci.example.org"],
        KEY_KINDS,
        {},
        json=None,
        main=mock_main,
        label=lambda bad: f"--admit {bad}",
    ),
]


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """No configuration from the machine (and so no Registry cache to fall back on)."""
    for name in list(os.environ):
        if name.startswith("EWP_"):
            monkeypatch.delenv(name)


@pytest.fixture(scope="module")
def inputs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """Good inputs (``iia``, ``la``, ``echo``, ``catalogue``, ``key``) and the bad ones."""
    root = tmp_path_factory.mktemp("contract")
    contents: dict[str, bytes | None] = {
        "iia": encode(IiasGetResponse(iias=(agreement(),))),
        "la": encode(LasGetResponse(las=(learning_agreement(),))),
        "echo": f"<response xmlns='{ECHO_NS}'><hei-id>a.example</hei-id></response>".encode(),
        "catalogue": network_xml(),
        "key": public_key_pem(generate_private_key().public_key()),
        "missing": None,
        "empty": b"",
        "not-xml": b"this is not XML\n",
        "wrong-namespace": b"<?xml version='1.0'?>\n<iias-get-response xmlns='urn:nothing'/>",
    }
    paths = {}
    for name, data in contents.items():
        path = root / f"{name}.xml"
        if data is not None:
            path.write_bytes(data)
        paths[name] = str(path)
    (root / "directory.xml").mkdir()
    paths["directory"] = str(root / "directory.xml")
    paths["wrong-type"] = paths["echo"]  # a valid EWP document, not the one asked for
    return paths


def _error_entry(entry: Any, file: str, kind: str) -> None:
    assert set(entry) == {"file", "error"}
    assert entry["file"] == file
    assert set(entry["error"]) == {"kind", "message", "line"}
    assert entry["error"]["kind"] == kind
    assert entry["error"]["message"]
    assert entry["error"]["line"] is None or isinstance(entry["error"]["line"], int)
    assert file not in entry["error"]["message"]  # the file is named once, in "file"


def _assert_human_message(err: str, label: str) -> None:
    assert "Traceback" not in err
    assert "<class " not in err
    lines = [line for line in err.splitlines() if label in line]
    assert len(lines) == 1, err
    (line,) = lines
    prefix, colon, message = line.partition(": ")
    assert colon, line
    assert prefix == label or prefix.startswith(f"{label}:"), line  # FILE: or FILE:LINE:
    assert label not in message  # no repeated file names


@pytest.mark.parametrize("bad_input", BAD_INPUTS)
@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: c.name)
def test_every_command_keeps_the_contract_for_bad_input(
    command: Command,
    bad_input: str,
    inputs: dict[str, str],
    capsys: pytest.CaptureFixture[str],
) -> None:
    bad = inputs[bad_input]
    expected_status = command.status.get(bad_input, 2)
    argv = command.argv(inputs, bad)

    # Human output: the exit status, and one message naming the file once.
    assert command.main(argv) == expected_status
    captured = capsys.readouterr()
    if expected_status == 0:  # ewp validate: a valid document of another type is valid
        assert f"{bad}: valid" in captured.out
        return
    _assert_human_message(captured.err, command.label(bad))

    if command.json is None:
        return
    # --json: the same exit status, exactly one JSON document holding the error shape.
    assert command.main([*argv, "--json"]) == expected_status
    captured = capsys.readouterr()
    document = json.loads(captured.out)
    kind = command.kinds[bad_input]
    if command.json == "list":
        assert isinstance(document, list)
        failed = [e for e in document if e["file"] == bad]
        assert len(failed) == 1
        _error_entry(failed[0], bad, kind)
        assert any(e["file"] != bad and "error" not in e for e in document)  # the good file
    else:
        _error_entry(document, bad, kind)


def test_keys_generate_into_a_file_is_unwritable(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    assert ewp_main(["keys", "generate", "--out", str(blocker), "--json"]) == 2
    captured = capsys.readouterr()
    _error_entry(json.loads(captured.out), str(blocker), "unwritable")
    _assert_human_message(captured.err, str(blocker))


# ----------------------------------------------------------------- the parsers


def _walk(parser: argparse.ArgumentParser) -> Iterator[argparse.ArgumentParser]:
    """``parser`` and every parser below it."""
    yield parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for child in action.choices.values():
                yield from _walk(child)


def _leaves() -> Iterator[tuple[Main, argparse.ArgumentParser]]:
    for main, parser in ((ewp_main, build_ewp_parser()), (mock_main, build_mock_parser())):
        for each in _walk(parser):
            if each.get_default("handler") is not None:
                yield main, each


LEAVES = list(_leaves())


def _leaf_argv(parser: argparse.ArgumentParser) -> list[str]:
    return parser.prog.split()[1:]


def test_every_parser_has_a_description_and_every_option_a_help() -> None:
    for root in (build_ewp_parser(), build_mock_parser()):
        for parser in _walk(root):
            assert parser.description, parser.prog
            for action in parser._actions:
                if isinstance(action, argparse._SubParsersAction):
                    listed = action._choices_actions  # what `--help` lists for each subcommand
                    assert [a.dest for a in listed] == list(action.choices), parser.prog
                    assert all(a.help for a in listed), parser.prog
                    continue
                assert action.help, f"{parser.prog} {action.option_strings or action.dest}"


def test_help_shows_every_meaningful_default() -> None:
    for _main, parser in LEAVES:
        formatter = parser._get_formatter()
        for action in parser._actions:
            meaningful = not (
                action.default is None or action.default is False or action.default == []
            )
            if action.option_strings and meaningful and action.default != SUPPRESS:
                shown = formatter._expand_help(action)  # the option's help as --help prints it
                assert f"default: {action.default}" in shown, f"{parser.prog} {shown}"


@pytest.mark.parametrize(("main", "parser"), LEAVES, ids=[p.prog for _m, p in LEAVES])
def test_an_unknown_option_is_a_usage_error_in_one_json_document(
    main: Main, parser: argparse.ArgumentParser, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = [*_leaf_argv(parser), "--no-such-option"]
    assert main(argv) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert f"{parser.prog}: " in captured.err
    if any("--json" in a.option_strings for a in parser._actions):
        assert main([*argv, "--json"]) == 2
        document = json.loads(capsys.readouterr().out)
        assert document["file"] is None
        assert document["error"]["kind"] == "usage"


@pytest.mark.parametrize(("main", "prog"), [(ewp_main, "ewp"), (mock_main, "ewp-mock")])
def test_version_and_no_command(main: Main, prog: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--version"]) == 0
    assert capsys.readouterr().out == f"{prog} {ewp_client.__version__}\n"
    assert main([]) == 2
    assert "required" in capsys.readouterr().err


# ------------------------------------------------------------------ processes


def _run(*argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", *argv], capture_output=True, text=True, check=False, timeout=60
    )


@pytest.mark.skipif(
    find_spec("ewp_client.__main__") is None,
    reason="src/ewp_client/__main__.py is not there yet (requested from its owner)",
)
def test_python_m_ewp_client_version() -> None:
    proc = _run("ewp_client", "--version")
    assert (proc.returncode, proc.stdout) == (0, f"ewp {ewp_client.__version__}\n")


def test_python_m_ewp_mock_help() -> None:
    proc = _run("ewp_mock", "--help")
    assert proc.returncode == 0
    assert proc.stdout.startswith("usage: ewp-mock")
    assert "serve" in proc.stdout
    assert "demo" in proc.stdout


# ------------------------------------------------------- every library error


class _FutureConfigError(ConfigError):
    """A ConfigError subclass the CLI has never heard of (as new ones keep coming)."""


@pytest.mark.parametrize(
    ("error", "kind", "status"),
    [
        (_FutureConfigError("unknown key algorithm"), "config", 2),
        (TransportError("connection reset"), "transport", 2),
        (SignatureMismatchError("the signature does not verify"), "signature", 1),
        (
            IiaHashError("declared and computed differ", iia_id="A", declared="0", computed="1"),
            "hash-mismatch",
            1,
        ),
        (EwpError("something else"), "error", 2),
    ],
    ids=lambda v: type(v).__name__ if isinstance(v, Exception) else str(v),
)
def test_any_library_error_keeps_the_contract(
    error: EwpError,
    kind: str,
    status: int,
    inputs: dict[str, str],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def raising(*_args: object, **_kwargs: object) -> None:
        raise error

    monkeypatch.setattr("ewp_client.cli.iia.compute_iia_hashes", raising)
    file = inputs["iia"]
    assert ewp_main(["iia", "verify", "--json", file]) == status
    captured = capsys.readouterr()
    _error_entry(json.loads(captured.out), file, kind)
    assert json.loads(captured.out)["error"]["message"] == str(error)
    assert captured.err == f"{file}: {error}\n"
