"""Helpers every ``ewp`` subcommand uses to register itself, read its input and print.

The rules they implement (exit status, message prefixes, the ``--json``
document and its error shape) are in :mod:`ewp_client.cli.contract`.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from ..errors import EwpError
from .contract import CommandError, Handler, emit_json

__all__ = [
    "add_command",
    "add_command_group",
    "add_json_flag",
    "emit",
    "emit_json",
    "fail",
    "quoted",
    "read_input",
]


def add_json_flag(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--json", action="store_true", help="print exactly one JSON document on stdout"
    )


def read_input(path: str) -> bytes:
    """The bytes of ``path`` (``-`` is stdin); :class:`CommandError` when unreadable."""
    try:
        if path == "-":
            return sys.stdin.buffer.read()
        return Path(path).read_bytes()
    except OSError as exc:
        raise CommandError.unreadable(path, exc) from exc


def fail(exc: EwpError, file: str | None) -> CommandError:
    """The library error ``exc``, about input ``file``, as the contract reports it."""
    return CommandError.of(exc, file=file)


def add_command_group(
    sub: Any, name: str, *, help: str, description: str, metavar: str = "COMMAND"
) -> Any:
    """Register ``ewp NAME COMMAND ...`` and return its (required) subcommand parsers.

    The chosen subcommand's name is stored as ``NAME_command``.
    """
    parser: argparse.ArgumentParser = sub.add_parser(name, help=help, description=description)
    commands = parser.add_subparsers(dest=f"{name}_command", metavar=metavar)
    commands.required = True
    return commands


def add_command(
    commands: Any, name: str, handler: Handler, *, help: str, description: str
) -> argparse.ArgumentParser:
    """Register one subcommand run by ``handler``; the caller adds its arguments."""
    parser: argparse.ArgumentParser = commands.add_parser(name, help=help, description=description)
    parser.set_defaults(handler=handler, command_prog=parser.prog)
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


def quoted(value: str | None) -> str:
    """A value in double quotes (JSON's escapes, never a Python repr), or ``(absent)``."""
    return "(absent)" if value is None else json.dumps(value, ensure_ascii=False)
