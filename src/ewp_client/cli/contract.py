"""The contract every command of ``ewp`` and ``ewp-mock`` keeps.

Exit status
    :data:`OK` (0) all fine; :data:`NEGATIVE` (1) a negative finding (invalid,
    differs, a check failed); :data:`USAGE` (2) a usage error, or input the
    command cannot use (unreadable, not XML, not the document it reads). The
    one deliberate exception: ``ewp validate`` answers 1 for a readable file
    that is not well-formed XML, as its own verdict on that file.

Messages
    On stderr, one line per failure: ``FILE: message`` or ``FILE:LINE:
    message``; ``PROG: message`` when no input is at fault (a bad option).

``--json``
    Exactly one JSON document on stdout, also when some inputs failed. A
    failure is ``{"file": ..., "error": {"kind": ..., "message": ..., "line":
    ...}}``: the failed file's entry in a per-file list, or the whole document
    of a single-result command. ``kind`` is a stable slug from :data:`KINDS`.

Library errors reach the user only through :meth:`CommandError.of`, which
maps every :class:`~ewp_client.errors.EwpError` to a kind and an exit status;
no traceback is ever printed for partner or file input.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Callable, Sequence
from typing import Any, Final, NoReturn

from ..errors import (
    ConfigError,
    EwpError,
    HttpSignatureError,
    IiaError,
    IiaHashError,
    IiaNotHashableError,
    KeyFileError,
    KeyFormatError,
    LearningAgreementError,
    MalformedXmlError,
    NoEndpointError,
    PartnerError,
    RegistryError,
    RegistryUnavailableError,
    SchemaValidationError,
    TransportError,
    UnknownDocumentError,
    Violation,
    XmlError,
    XmlRefusedError,
)

OK: Final = 0
NEGATIVE: Final = 1
USAGE: Final = 2

#: Kinds that do not come from a library error.
UNREADABLE: Final = "unreadable"
UNWRITABLE: Final = "unwritable"
USAGE_KIND: Final = "usage"

#: Library error -> (kind, exit status); the first class the error is an instance of wins.
KINDS: Final[tuple[tuple[type[EwpError], str, int], ...]] = (
    (XmlRefusedError, "refused-xml", USAGE),
    (MalformedXmlError, "malformed-xml", USAGE),
    (UnknownDocumentError, "wrong-document", USAGE),
    (SchemaValidationError, "schema-invalid", USAGE),
    (XmlError, "xml", USAGE),
    (IiaHashError, "hash-mismatch", NEGATIVE),
    (IiaNotHashableError, "not-hashable", USAGE),
    (IiaError, "iia", USAGE),
    (LearningAgreementError, "learning-agreement", USAGE),
    (NoEndpointError, "no-endpoint", NEGATIVE),
    (RegistryUnavailableError, "registry-unavailable", USAGE),
    (RegistryError, "registry", USAGE),
    (HttpSignatureError, "signature", NEGATIVE),
    (TransportError, "transport", USAGE),
    (PartnerError, "partner", USAGE),
    (KeyFormatError, "not-a-key", USAGE),
    (KeyFileError, "unwritable", USAGE),
    (ConfigError, "config", USAGE),
    (EwpError, "error", USAGE),
)

Handler = Callable[[argparse.Namespace], int]

# lxml repeats the position at the end of its messages; the prefix already gives the line.
_POSITION_SUFFIX = re.compile(r",? line \d+(?:, column \d+)?$")


class CommandError(Exception):
    """A failure reported under the contract: which input, what kind, which exit status."""

    def __init__(
        self,
        message: str,
        *,
        kind: str = USAGE_KIND,
        file: str | None = None,
        line: int | None = None,
        status: int = USAGE,
        prog: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.kind = kind
        self.file = file
        self.line = line
        self.status = status
        self.prog = prog

    @classmethod
    def of(cls, exc: EwpError, *, file: str | None = None) -> CommandError:
        """``exc`` under the contract, about input ``file``."""
        kind, status = kind_of(exc)
        line = getattr(exc, "line", None)
        if isinstance(exc, SchemaValidationError):
            return cls(
                schema_summary(exc), kind=kind, file=file, status=status, line=first_line(exc)
            )
        message = str(exc)
        if isinstance(exc, MalformedXmlError):
            message = _POSITION_SUFFIX.sub("", message)
        if file and message.startswith(file):  # the file is the prefix already: say it once
            message = message[len(file) :].lstrip(":").strip()
        return cls(
            message,
            kind=kind,
            file=file,
            status=status,
            line=line if isinstance(line, int) else None,
        )

    @classmethod
    def unreadable(cls, file: str, exc: OSError) -> CommandError:
        return cls(f"cannot read: {exc.strerror or exc}", kind=UNREADABLE, file=file)

    @classmethod
    def unwritable(cls, file: str, exc: OSError) -> CommandError:
        return cls(f"cannot write: {exc.strerror or exc}", kind=UNWRITABLE, file=file)

    def where(self) -> str | None:
        """``FILE`` or ``FILE:LINE``; ``None`` when no input is at fault."""
        if self.file is None:
            return None
        return self.file if self.line is None else f"{self.file}:{self.line}"

    def human(self, prog: str) -> str:
        """The stderr line: ``FILE[:LINE]: message``, or ``PROG: message``."""
        return f"{self.where() or self.prog or prog}: {self.message}"

    def to_json(self) -> dict[str, Any]:
        """The one error shape: ``{"file", "error": {"kind", "message", "line"}}``."""
        return {
            "file": self.file,
            "error": {"kind": self.kind, "message": self.message, "line": self.line},
        }


def kind_of(exc: EwpError) -> tuple[str, int]:
    """The kind and exit status of a library error (see :data:`KINDS`)."""
    for cls, kind, status in KINDS:
        if isinstance(exc, cls):
            return kind, status
    raise AssertionError("EwpError closes the table")  # pragma: no cover


def sorted_violations(exc: SchemaValidationError) -> list[Violation]:
    """The violations by line (unknown lines last), then in the order reported."""
    return sorted(exc.violations, key=lambda v: (v.line is None, v.line or 0))


def further_violations(exc: SchemaValidationError) -> int:
    """How many violations the library counted but did not list (0 if it lists all)."""
    more = getattr(exc, "more", 0)
    return more if isinstance(more, int) else 0


def further_is_exact(exc: SchemaValidationError) -> bool:
    """Whether :func:`further_violations` is a count (``False``: a lower bound)."""
    return getattr(exc, "total_is_exact", True) is not False


def first_line(exc: SchemaValidationError) -> int | None:
    violations = sorted_violations(exc)
    return violations[0].line if violations else None


def schema_summary(exc: SchemaValidationError) -> str:
    """One line for a document a command cannot use because it breaks its schema."""
    violations = sorted_violations(exc)
    if not violations:
        return f"<{exc.root}> is not valid against its schema"
    first = violations[0]
    more = len(violations) - 1 + further_violations(exc)
    at_least = "" if further_is_exact(exc) else "at least "
    suffix = f" (and {at_least}{more} more)" if more else ""
    if exc.hint:
        suffix += f" ({exc.hint})"
    return f"<{exc.root}> is not valid against its schema: {first.path}: {first.message}{suffix}"


# ------------------------------------------------------------------- parsing


class Parser(argparse.ArgumentParser):
    """An argparse parser that reports usage errors as :class:`CommandError` and shows defaults."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", DefaultsFormatter)
        super().__init__(*args, **kwargs)

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        raise CommandError(message, prog=self.prog)


class DefaultsFormatter(argparse.HelpFormatter):
    """Adds ``(default: X)`` to an option's help unless the help already names it.

    Unlike ``argparse.ArgumentDefaultsHelpFormatter`` it leaves out defaults
    that say nothing (``None``, ``False``, an empty list).
    """

    def _get_help_string(self, action: argparse.Action) -> str | None:
        text = action.help or ""
        default = action.default
        if "default" in text or not action.option_strings or says_nothing(default):
            return text
        return f"{text} (default: %(default)s)"


def command_parser(parser: argparse.ArgumentParser, prog: str) -> argparse.ArgumentParser:
    """The parser below ``parser`` (or itself) whose ``prog`` is ``prog``."""
    if parser.prog == prog:
        return parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for child in action.choices.values():
                found = command_parser(child, prog)
                if found.prog == prog:
                    return found
    return parser


def says_nothing(default: object) -> bool:
    """Whether an option's default goes without saying: none, off, empty (``0`` is said)."""
    return default is None or default is False or default == [] or default == argparse.SUPPRESS


def add_version(parser: argparse.ArgumentParser, version: str) -> None:
    parser.add_argument(
        "--version",
        action="version",
        version=f"%(prog)s {version}",
        help="print the version and exit",
    )


# ------------------------------------------------------------------- running


def emit_json(document: Any) -> None:
    json.dump(document, sys.stdout, indent=2, ensure_ascii=False)
    sys.stdout.write("\n")


def report(error: CommandError, prog: str) -> None:
    print(error.human(prog), file=sys.stderr)


def run(parser: argparse.ArgumentParser, argv: Sequence[str] | None, *, prog: str) -> int:
    """Parse ``argv``, run the chosen handler and keep the contract for whatever it raises."""
    arguments = list(sys.argv[1:] if argv is None else argv)
    want_json = "--json" in arguments
    try:
        try:
            args, extras = parser.parse_known_args(arguments)
            if extras:  # reported by the subcommand that was given them, with its usage
                prog_of_command = str(getattr(args, "command_prog", parser.prog))
                command_parser(parser, prog_of_command).error(
                    f"unrecognized arguments: {' '.join(extras)}"
                )
        except SystemExit as exc:  # --help and --version
            return exc.code if isinstance(exc.code, int) else USAGE
        want_json = bool(getattr(args, "json", False))
        prog = str(getattr(args, "command_prog", prog))
        handler: Handler = args.handler
        try:
            return int(handler(args))
        except EwpError as exc:
            raise CommandError.of(exc) from exc
    except CommandError as error:
        report(error, prog)
        if want_json:
            emit_json(error.to_json())
        return error.status
    except KeyboardInterrupt:
        return 130
