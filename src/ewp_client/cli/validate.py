"""``ewp validate FILE... [--json]``: check EWP documents against the bundled schemas.

Exit status 1 for a readable file that is not well-formed XML is this
command's one deliberate exception to the contract (others answer 2): here
"not XML" is the verdict asked for, not input the command cannot use.
"""

from __future__ import annotations

import argparse
from typing import Any

from ..errors import EwpError, MalformedXmlError, SchemaValidationError
from ..xml.validate import validate
from ._common import add_json_flag, emit_json, read_input
from .contract import (
    NEGATIVE,
    OK,
    CommandError,
    further_is_exact,
    further_violations,
    report,
    sorted_violations,
)


def register(sub: Any) -> None:
    parser: argparse.ArgumentParser = sub.add_parser(
        "validate",
        help="validate EWP XML documents against the bundled schemas",
        description="Validate EWP documents offline. The schema is chosen by the root "
        "element's namespace; violations are listed by line. Exit status: 0 all valid, "
        "1 any invalid or not well-formed XML, 2 any unreadable or not an EWP document "
        "with a bundled schema.",
    )
    parser.add_argument("files", nargs="+", metavar="FILE", help="XML files ('-' for stdin)")
    add_json_flag(parser)
    parser.set_defaults(handler=run, command_prog=parser.prog)


def _namespace(tag: object) -> str | None:
    if isinstance(tag, str) and tag.startswith("{"):
        return tag[1:].partition("}")[0]
    return None


def check_file(name: str) -> dict[str, Any]:
    """Validate one file: its verdict (``file``, ``valid``, ``namespace``, ``errors``, ...).

    An invalid file's verdict also names the ``known_issue`` its violations are
    (``schema-required-field-missing``...) and the business ``hint``, when known.

    Raises :class:`CommandError` for a file it cannot check (exit 1 when not
    well-formed, 2 otherwise).
    """
    data = read_input(name)
    try:
        # From the bytes: a wide document is validated as it is read, not re-serialised.
        namespace = _namespace(validate(data).getroot().tag)
    except SchemaValidationError as exc:
        return {
            "file": name,
            "valid": False,
            "namespace": exc.namespace,
            "errors": [
                {"line": v.line, "path": v.path, "message": v.message}
                for v in sorted_violations(exc)
            ],
            "more_errors": further_violations(exc),
            "more_errors_exact": further_is_exact(exc),
            "known_issue": exc.known_issue,
            "hint": exc.hint,
        }
    except MalformedXmlError as exc:
        error = CommandError.of(exc, file=name)
        error.status = NEGATIVE
        raise error from exc
    except EwpError as exc:
        raise CommandError.of(exc, file=name) from exc
    return {
        "file": name,
        "valid": True,
        "namespace": namespace,
        "errors": [],
        "more_errors": 0,
        "more_errors_exact": True,
    }


def _print_verdict(verdict: dict[str, Any]) -> None:
    name = verdict["file"]
    if verdict["valid"]:
        print(f"{name}: valid")
        return
    for e in verdict["errors"]:
        where = name if e["line"] is None else f"{name}:{e['line']}"
        print(f"{where}: {e['path']}: {e['message']}")
    if verdict["more_errors"]:
        at_least = "" if verdict["more_errors_exact"] else "at least "
        print(f"{name}: ... and {at_least}{verdict['more_errors']} more")
    if verdict.get("known_issue"):
        hint = f": {verdict['hint']}" if verdict.get("hint") else ""
        print(f"{name}: known issue {verdict['known_issue']}{hint}")


def run(args: argparse.Namespace) -> int:
    status = OK
    entries: list[dict[str, Any]] = []
    for name in args.files:
        try:
            verdict = check_file(name)
        except CommandError as error:
            entries.append(error.to_json())
            status = max(status, error.status)
            report(error, args.command_prog)
            continue
        entries.append(verdict)
        status = max(status, OK if verdict["valid"] else NEGATIVE)
        if not args.json:
            _print_verdict(verdict)
    if args.json:
        emit_json(entries)
    return status
