"""``ewp validate FILE... [--json]``: check EWP documents against the bundled schemas."""

from __future__ import annotations

import argparse
from typing import Any

from ..errors import MalformedXmlError, SchemaValidationError, UnknownDocumentError
from ..xml.parser import parse_xml
from ..xml.validate import validate
from ._common import NEGATIVE, OK, USAGE, UsageError, add_json_flag, emit_json, read_input


def register(sub: Any) -> None:
    parser: argparse.ArgumentParser = sub.add_parser(
        "validate",
        help="validate EWP XML documents against the bundled schemas",
        description="Validate EWP documents offline. The schema is chosen by the root "
        "element's namespace. Exit status: 0 all valid, 1 any invalid, 2 unreadable "
        "or unknown input.",
    )
    parser.add_argument("files", nargs="+", metavar="FILE", help="XML files ('-' for stdin)")
    add_json_flag(parser)
    parser.set_defaults(handler=run)


def _error(line: int | None, path: str | None, message: str) -> dict[str, Any]:
    return {"line": line, "path": path, "message": message}


def check_file(name: str) -> tuple[int, dict[str, Any]]:
    """Validate one file: its exit status and its JSON report."""
    report: dict[str, Any] = {"file": name, "valid": False, "namespace": None, "errors": []}
    try:
        data = read_input(name)
    except UsageError as exc:
        report["errors"].append(_error(None, None, str(exc)))
        return USAGE, report
    try:
        tree = parse_xml(data)
        root = tree.getroot()
        if isinstance(root.tag, str) and root.tag.startswith("{"):
            report["namespace"] = root.tag[1:].partition("}")[0]
        validate(tree)
    except MalformedXmlError as exc:
        report["errors"].append(_error(exc.line, "/", str(exc)))
        return NEGATIVE, report
    except UnknownDocumentError as exc:
        report["errors"].append(_error(None, "/", str(exc)))
        return USAGE, report
    except SchemaValidationError as exc:
        report["errors"] = [_error(v.line, v.path, v.message) for v in exc.violations]
        return NEGATIVE, report
    report["valid"] = True
    return OK, report


def run(args: argparse.Namespace) -> int:
    status = OK
    reports = []
    for name in args.files:
        code, report = check_file(name)
        reports.append(report)
        status = max(status, code)
        if args.json:
            continue
        if code == OK:
            print(f"{name}: valid")
        for e in report["errors"]:
            line = e["line"] if e["line"] is not None else "?"
            print(f"{name}:{line}: {e['path'] or '/'}: {e['message']}")
    if args.json:
        emit_json(reports)
    return status
