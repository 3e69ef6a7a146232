"""The ``ewp`` command line: thin subcommands over the library.

Each subcommand module exposes ``register(subparsers)``; its handlers return an
exit status (see :mod:`ewp_client.cli._common`).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from importlib import import_module

from ._common import USAGE, UsageError, err

#: Subcommand modules, in the order ``ewp --help`` lists them.
_MODULES = ("validate", "keys", "registry", "iia", "la")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ewp", description="Tools for the Erasmus Without Paper network."
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    for name in _MODULES:
        try:
            module = import_module(f"{__name__}.{name}")
        except ModuleNotFoundError as exc:
            if exc.name == f"{__name__}.{name}":
                continue
            raise
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:
        return int(exc.code) if isinstance(exc.code, int) else USAGE
    try:
        return int(args.handler(args))
    except UsageError as exc:
        err(f"ewp: {exc}")
        if getattr(args, "json", False):  # --json promises one JSON document on stdout
            print(json.dumps({"error": str(exc), "exit_status": USAGE}))
        return USAGE
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
