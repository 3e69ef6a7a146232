"""Conventions every ``ewp`` subcommand follows.

Exit status: :data:`OK` (0) all fine, :data:`NEGATIVE` (1) a negative finding
(invalid, differs, check failed), :data:`USAGE` (2) usage error or unreadable
input. ``--json`` prints exactly one JSON document on stdout; human messages
and diagnostics go to stderr in that mode.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, Final

OK: Final = 0
NEGATIVE: Final = 1
USAGE: Final = 2

Handler = Callable[[argparse.Namespace], int]


class UsageError(Exception):
    """Raised by a handler for bad arguments or unreadable input: exit status 2."""


def add_json_flag(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--json", action="store_true", help="print exactly one JSON document on stdout"
    )


def emit_json(document: Any) -> None:
    json.dump(document, sys.stdout, indent=2, ensure_ascii=False)
    sys.stdout.write("\n")


def read_input(path: str) -> bytes:
    """The bytes of ``path`` (``-`` is stdin); :class:`UsageError` when unreadable."""
    try:
        if path == "-":
            return sys.stdin.buffer.read()
        return Path(path).read_bytes()
    except OSError as exc:
        raise UsageError(f"{path}: cannot read: {exc.strerror or exc}") from exc


def err(message: str) -> None:
    print(message, file=sys.stderr)


def add_command_group(
    sub: Any,
    name: str,
    *,
    help: str,
    description: str | None = None,
    metavar: str = "COMMAND",
) -> Any:
    """Register ``ewp NAME COMMAND ...`` and return its (required) subcommand parsers.

    The chosen subcommand's name is stored as ``NAME_command``.
    """
    parser: argparse.ArgumentParser = sub.add_parser(name, help=help, description=description)
    commands = parser.add_subparsers(dest=f"{name}_command", metavar=metavar)
    commands.required = True
    return commands


def add_command(
    commands: Any, name: str, handler: Handler, *, help: str, description: str | None = None
) -> argparse.ArgumentParser:
    """Register one subcommand run by ``handler``; the caller adds its arguments."""
    parser: argparse.ArgumentParser = commands.add_parser(
        name, help=help, description=description
    )
    parser.set_defaults(handler=handler)
    return parser


def emit(args: argparse.Namespace, document: Any, lines: Iterable[str]) -> None:
    """``document`` as the one JSON document under ``--json``, else ``lines`` on stdout.

    ``lines`` is only consumed without ``--json``, so it may be a generator.
    """
    if args.json:
        emit_json(document)
        return
    for line in lines:
        print(line)
