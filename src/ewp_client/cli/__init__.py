"""The ``ewp`` command line: thin subcommands over the library.

Each subcommand module exposes ``register(subparsers)``; its handlers return an
exit status and keep the contract of :mod:`ewp_client.cli.contract`.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

from .. import __version__
from . import doctor, iia, keys, la, registry, validate
from .contract import Parser, add_version, run

__all__ = ["build_parser", "main"]

#: Subcommand modules, in the order ``ewp --help`` lists them.
_MODULES = (validate, keys, registry, iia, la, doctor)


def build_parser() -> Parser:
    parser = Parser(
        prog="ewp",
        description="Tools for the Erasmus Without Paper network. Exit status: 0 fine, "
        "1 a negative finding, 2 a usage error or unusable input.",
    )
    add_version(parser, __version__)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    for module in _MODULES:
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``ewp`` with ``argv`` (default: the process arguments); returns the exit status."""
    return run(build_parser(), argv, prog="ewp")


if __name__ == "__main__":
    sys.exit(main())
