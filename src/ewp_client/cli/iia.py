"""``ewp iia ...``: Inter-Institutional Agreement tools.

* ``ewp iia hash FILE... [--json] [--text]``: the ``iia-hash`` of every
  ``<iia>`` of IIAs v7 (or v6) get responses, as the official kit computes it.
* ``ewp iia verify FILE [--json]``: compare each declared ``iia-hash`` with the
  computed one; on a difference show both, the hashed text and the probable
  causes :func:`ewp_client.iia.mismatch.mismatch_hints` recognises.

Each subcommand registers itself through :data:`SUBCOMMANDS`; more IIA tools
(comparing two copies of an agreement) add their register function there.

Exit status: 0 fine; 1 a declared ``iia-hash`` differs from the computed one or
is missing (``verify``); 2 unreadable input, not well-formed XML, a document
that is not an IIAs get response, or an agreement the kit cannot hash.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any, Final

from ..errors import IiaError, MalformedXmlError, UnknownDocumentError
from ..iia.hash import IiaHash, compute_iia_hashes
from ..iia.mismatch import mismatch_hints
from ._common import NEGATIVE, OK, USAGE, UsageError, add_json_flag, emit_json, err, read_input


def _hash_file(name: str) -> list[IiaHash]:
    """The kit's results for one file; :class:`UsageError` for anything that is not hashable."""
    return _hash_bytes(name, read_input(name))


def _hash_bytes(name: str, data: bytes) -> list[IiaHash]:
    try:
        return compute_iia_hashes(data)
    except MalformedXmlError as exc:
        where = f":{exc.line}" if exc.line is not None else ""
        raise UsageError(f"{name}{where}: {exc}") from exc
    except (UnknownDocumentError, IiaError) as exc:
        raise UsageError(f"{name}: {exc}") from exc


# ------------------------------------------------------------------------- hash


def _register_hash(sub: Any) -> None:
    parser: argparse.ArgumentParser = sub.add_parser(
        "hash",
        help="compute the iia-hash of every IIA in IIAs get responses",
        description="Compute, for every <iia> of IIAs v7 (or v6) get responses, the text "
        "the official XSLT kit hashes, its SHA-256 (the iia-hash) and whether the IIA is "
        "valid for approval. Exit status: 0 all hashed, 2 any file unreadable or not an "
        "IIAs get response.",
    )
    parser.add_argument("files", nargs="+", metavar="FILE", help="XML files ('-' for stdin)")
    parser.add_argument("--text", action="store_true", help="also show the text that is hashed")
    add_json_flag(parser)
    parser.set_defaults(handler=run_hash)


def hash_report(name: str, result: IiaHash, *, text: bool) -> dict[str, Any]:
    report: dict[str, Any] = {
        "file": name,
        "iia_id": result.iia_id,
        "sha256": result.sha256,
        "valid_for_approval": result.valid_for_approval,
    }
    if text:
        report["text_to_hash"] = result.text_to_hash
    return report


def run_hash(args: argparse.Namespace) -> int:
    status = OK
    reports = []
    for name in args.files:
        try:
            results = _hash_file(name)
        except UsageError as exc:
            err(f"ewp iia hash: {exc}")
            status = USAGE
            continue
        for result in results:
            reports.append(hash_report(name, result, text=args.text))
            if args.json:
                continue
            approval = "" if result.valid_for_approval else "  (not valid for approval)"
            print(f"{name}: {result.iia_id}  {result.sha256}{approval}")
            if args.text:
                print(f"  {result.text_to_hash}")
    if args.json:
        emit_json(reports)
    return status


# ----------------------------------------------------------------------- verify


def _register_verify(sub: Any) -> None:
    parser: argparse.ArgumentParser = sub.add_parser(
        "verify",
        help="check the iia-hash each IIA of an IIAs v7 get response declares",
        description="Compare the iia-hash each <iia> of an IIAs v7 get response declares "
        "with the one computed from its content; on a difference, show both and the text "
        "that was hashed. Exit status: 0 all match, 1 any differs or is missing, 2 "
        "unreadable input or not an IIAs v7 get response.",
    )
    parser.add_argument("file", metavar="FILE", help="XML file ('-' for stdin)")
    add_json_flag(parser)
    parser.set_defaults(handler=run_verify)


def _verdict(result: IiaHash) -> str:
    if result.declared_hash is None:
        return "missing"
    return "match" if result.declared_hash == result.sha256 else "mismatch"


def _hints(data: bytes, results: list[IiaHash], verdicts: list[str]) -> list[list[str]]:
    """Likely causes for each mismatching IIA (the v6 kit's text is one candidate)."""
    if "mismatch" not in verdicts:
        return [[] for _ in results]
    try:
        v6_texts: list[str | None] = [r.text_to_hash for r in compute_iia_hashes(data, version=6)]
    except IiaError:
        v6_texts = [None] * len(results)
    return [
        mismatch_hints(r, v6_text=v6) if v == "mismatch" else []
        for r, v, v6 in zip(results, verdicts, v6_texts, strict=True)
    ]


def run_verify(args: argparse.Namespace) -> int:
    name = args.file
    data = read_input(name)
    results = _hash_bytes(name, data)
    if any(r.version != 7 for r in results):
        raise UsageError(
            f"{name}: an IIAs v6 response declares no iia-hash; "
            "`ewp iia hash` gives its migration hash"
        )
    verdicts = [_verdict(r) for r in results]
    hints = _hints(data, results, verdicts)
    status = OK if all(v == "match" for v in verdicts) else NEGATIVE
    if args.json:
        emit_json(
            {
                "file": name,
                "ok": status == OK,
                "iias": [
                    {
                        "iia_id": r.iia_id,
                        "line": r.line,
                        "verdict": v,
                        "declared": r.declared_hash,
                        "computed": r.sha256,
                        "valid_for_approval": r.valid_for_approval,
                        "text_to_hash": r.text_to_hash,
                        "hints": h,
                    }
                    for r, v, h in zip(results, verdicts, hints, strict=True)
                ],
            }
        )
        return status
    if not results:
        print(f"{name}: no <iia> to verify")
    for result, verdict, hint_list in zip(results, verdicts, hints, strict=True):
        where = f"{name}:{result.line}: IIA {result.iia_id!r}"
        if not result.valid_for_approval:
            print(f"{where}: not valid for approval (not-yet-defined or v6-value in the response)")
        if verdict == "match":
            print(f"{where}: iia-hash matches ({result.sha256})")
            continue
        if verdict == "missing":
            print(f"{where}: no iia-hash declared")
        else:
            print(f"{where}: iia-hash differs")
            print(f"  declared: {result.declared_hash}")
        print(f"  computed: {result.sha256}")
        print(f"  text-to-hash: {result.text_to_hash}")
        for hint in hint_list:
            print(f"  probable cause: {hint}")
    return status


# --------------------------------------------------------------------- register

#: The ``ewp iia`` subcommands, in the order ``ewp iia --help`` lists them.
SUBCOMMANDS: Final[list[Callable[[Any], None]]] = [_register_hash, _register_verify]


def register(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "iia", help="Inter-Institutional Agreement tools (iia-hash)"
    )
    sub = parser.add_subparsers(dest="iia_command", metavar="SUBCOMMAND")
    sub.required = True
    for register_subcommand in SUBCOMMANDS:
        register_subcommand(sub)
