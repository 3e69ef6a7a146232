"""The README's command table names every command and option the parsers define, and no other.

The parsers are walked programmatically, so a new subcommand or option that
the README does not document fails this test, and so does a README row for a
command that no longer exists.
"""

from __future__ import annotations

import argparse
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from ewp_client.cli import build_parser as build_ewp_parser
from ewp_client.cli.contract import KINDS
from ewp_mock.cli import build_parser as build_mock_parser

README = Path(__file__).resolve().parents[1] / "README.md"


def _section() -> str:
    text = README.read_text(encoding="utf-8")
    start = text.index("## Command line\n")
    end = text.index("\n## ", start + 1)
    return text[start:end]


def _rows(section: str) -> dict[str, str]:
    """Command table rows: the command as written in the first cell -> that cell's code."""
    rows = {}
    for line in section.splitlines():
        match = re.match(r"^\| `((?:ewp|ewp-mock)(?: [^`]*)?)` \|", line)
        if match:
            code = match.group(1).replace("\\|", "|")
            words = []
            for word in code.split():
                if not re.fullmatch(r"[a-z][a-z-]*", word):
                    break
                words.append(word)
            rows[" ".join(words)] = code
    return rows


def _walk(parser: argparse.ArgumentParser) -> Iterator[argparse.ArgumentParser]:
    yield parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for child in action.choices.values():
                yield from _walk(child)


PARSERS = [p for root in (build_ewp_parser(), build_mock_parser()) for p in _walk(root)]
COMMANDS = [p for p in PARSERS if p.get_default("handler") is not None]


def _options(parser: argparse.ArgumentParser) -> list[str]:
    """The long option strings of ``parser`` that a user types (``--help`` left out)."""
    return [
        option
        for action in parser._actions
        if not isinstance(action, argparse._HelpAction)
        for option in action.option_strings
        if option.startswith("--")
    ]


def _positionals(parser: argparse.ArgumentParser) -> list[str]:
    return [
        str(action.metavar or action.dest.upper())
        for action in parser._actions
        if not action.option_strings and not isinstance(action, argparse._SubParsersAction)
    ]


def _names(code: str, word: str) -> bool:
    return re.search(rf"(?<![\w-]){re.escape(word)}(?![\w-])", code) is not None


@pytest.mark.parametrize("parser", COMMANDS, ids=lambda p: p.prog)
def test_every_command_has_a_row_naming_its_options_and_arguments(
    parser: argparse.ArgumentParser,
) -> None:
    rows = _rows(_section())
    assert parser.prog in rows, f"no README row for `{parser.prog}`"
    code = rows[parser.prog]
    for word in (*_options(parser), *_positionals(parser)):
        assert _names(code, word), f"`{parser.prog}`: the README row does not name {word}"


def test_every_row_is_a_command_and_group_options_are_named() -> None:
    section = _section()
    progs = {p.prog for p in COMMANDS}
    groups = [p for p in PARSERS if p.get_default("handler") is None]
    for command in _rows(section):
        if command in {p.prog for p in groups}:
            continue  # e.g. `ewp --version`
        assert command in progs, f"the README documents `{command}`, which does not exist"
    for group in groups:
        for option in _options(group):
            assert f"`{group.prog} {option}" in section, f"`{group.prog} {option}` undocumented"


def test_every_error_kind_is_documented() -> None:
    section = _section()
    kinds = {kind for _cls, kind, _status in KINDS} | {"usage", "unreadable", "not-a-key"}
    for kind in kinds:
        assert f"`{kind}`" in section, kind
