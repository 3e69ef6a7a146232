"""``ewp iia ...``: Inter-Institutional Agreement tools.

* ``ewp iia hash FILE... [--json] [--text]``: the ``iia-hash`` of every
  ``<iia>`` of IIAs v7 (or v6) get responses, as the official kit computes it.
* ``ewp iia verify FILE [--json]``: compare each declared ``iia-hash`` with the
  computed one; on a difference show both, the hashed text and the probable
  causes :func:`ewp_client.iia.mismatch.mismatch_hints` recognises.
* ``ewp iia diff BEFORE AFTER [--iia-id ID] [--json]``: two versions of the same
  copy; every hashed field that differs (:mod:`ewp_client.iia.diff`).
* ``ewp iia compare OURS THEIRS [--iia-id ID] [--json]``: our copy and the
  partner's copy; every disagreement on what both must agree on
  (:mod:`ewp_client.iia.compare`).

Each subcommand registers itself through :data:`SUBCOMMANDS`.

Exit status: 0 fine; 1 a declared ``iia-hash`` differs from the computed one or
is missing (``verify``), the two hashes differ (``diff``), the copies disagree
(``compare``); 2 unreadable input, not well-formed XML, a document that is not
an IIAs get response (for ``compare``: not a valid IIAs v7 get response), an
agreement the kit cannot hash, or an IIA that cannot be picked. Every failure
names the file it is about (:mod:`ewp_client.cli.contract`).
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any, Final

from ..codec import decode
from ..errors import EwpError
from ..iia.compare import compare_iias, select_copy
from ..iia.diff import diff_iia_hashes, select_iia
from ..iia.hash import IiaHash, compute_iia_hashes
from ..iia.mismatch import mismatch_hints
from ..models.iia import Iia, IiasGetResponse
from ._common import (
    add_command,
    add_command_group,
    add_json_flag,
    emit,
    emit_json,
    fail,
    quoted,
    read_input,
)
from .contract import NEGATIVE, OK, CommandError, Handler, report

#: ``what`` for the library's IIA pickers: the file name is already the message's prefix.
_THE_FILE = "the file"


def _hash_bytes(name: str, data: bytes) -> list[IiaHash]:
    """The kit's results for one file; :class:`CommandError` naming it when not hashable."""
    try:
        return compute_iia_hashes(data)
    except EwpError as exc:
        raise fail(exc, name) from exc


def _hash_file(name: str) -> list[IiaHash]:
    return _hash_bytes(name, read_input(name))


# ------------------------------------------------------------------------- hash


def _register_hash(sub: Any) -> None:
    parser = add_command(
        sub,
        "hash",
        run_hash,
        help="compute the iia-hash of every IIA in IIAs get responses",
        description="Compute, for every <iia> of IIAs v7 (or v6) get responses, the text "
        "the official XSLT kit hashes, its SHA-256 (the iia-hash) and whether the IIA is "
        "valid for approval. A file that cannot be hashed gets an error entry and the "
        "others are still hashed. Exit status: 0 all hashed, 2 any file unreadable or not "
        "a hashable IIAs get response.",
    )
    parser.add_argument("files", nargs="+", metavar="FILE", help="XML files ('-' for stdin)")
    parser.add_argument("--text", action="store_true", help="also show the text that is hashed")
    add_json_flag(parser)


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
    entries: list[dict[str, Any]] = []
    for name in args.files:
        try:
            results = _hash_file(name)
        except CommandError as error:
            entries.append(error.to_json())
            status = max(status, error.status)
            report(error, args.command_prog)
            continue
        for result in results:
            entries.append(hash_report(name, result, text=args.text))
            if args.json:
                continue
            approval = "" if result.valid_for_approval else "  (not valid for approval)"
            print(f"{name}: {result.iia_id}  {result.sha256}{approval}")
            if args.text:
                print(f"  {result.text_to_hash}")
    if args.json:
        emit_json(entries)
    return status


# ----------------------------------------------------------------------- verify


def _register_verify(sub: Any) -> None:
    parser = add_command(
        sub,
        "verify",
        run_verify,
        help="check the iia-hash each IIA of an IIAs v7 get response declares",
        description="Compare the iia-hash each <iia> of an IIAs v7 get response declares "
        "with the one computed from its content; on a difference, show both and the text "
        "that was hashed. Exit status: 0 all match, 1 any differs or is missing, 2 "
        "unreadable input or not an IIAs v7 get response.",
    )
    parser.add_argument("file", metavar="FILE", help="XML file ('-' for stdin)")
    add_json_flag(parser)


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
    except EwpError:
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
        raise CommandError(
            "an IIAs v6 response declares no iia-hash; `ewp iia hash` gives its migration hash",
            kind="wrong-document",
            file=name,
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
        where = f"{name}:{result.line}: IIA {quoted(result.iia_id)}"
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


# ------------------------------------------------------------------------- diff


def _register_two_copies(
    sub: Any,
    name: str,
    handler: Handler,
    *,
    help: str,
    description: str,
    copies: tuple[tuple[str, str], tuple[str, str]],
    iia_id_help: str,
) -> None:
    """A subcommand reading two IIAs get responses (``copies``: name and help of each)."""
    parser = add_command(sub, name, handler, help=help, description=description)
    for dest, text in copies:
        parser.add_argument(dest, metavar=dest.upper(), help=text)
    parser.add_argument("--iia-id", metavar="ID", default=None, help=iia_id_help)
    add_json_flag(parser)


def _register_diff(sub: Any) -> None:
    _register_two_copies(
        sub,
        "diff",
        run_diff,
        help="what changed the iia-hash between two versions of the same copy",
        description="List every field of the text-to-hash that differs between two "
        "versions of the same copy of an IIA (e.g. the snapshot a partner's approval "
        "refers to, and the copy now served), in text-to-hash order. Exit status: 0 "
        "the hashes agree, 1 they differ, 2 unreadable input or not a hashable IIAs "
        "get response.",
        copies=(
            ("before", "earlier version ('-' for stdin)"),
            ("after", "later version ('-' for stdin)"),
        ),
        iia_id_help="the first partner's iia-id, when a response holds several IIAs",
    )


def _pick_hash(name: str, iia_id: str | None) -> IiaHash:
    try:
        return select_iia(_hash_file(name), iia_id, what=_THE_FILE)
    except EwpError as exc:
        raise fail(exc, name) from exc


def run_diff(args: argparse.Namespace) -> int:
    before = _pick_hash(args.before, args.iia_id)
    after = _pick_hash(args.after, args.iia_id)
    result = diff_iia_hashes(before, after)
    document = {
        "hash_before": result.hash_before,
        "hash_after": result.hash_after,
        "differences": [
            {"path": d.path, "before": d.before, "after": d.after} for d in result.differences
        ],
    }
    if result.hashes_agree:
        lines = [f"iia-hash unchanged: {result.hash_after}"]
    else:
        lines = [
            f"iia-hash before: {result.hash_before} ({args.before})",
            f"iia-hash after:  {result.hash_after} ({args.after})",
            *(f"{d.path}: {quoted(d.before)} -> {quoted(d.after)}" for d in result.differences),
        ]
    emit(args, document, lines)
    return OK if result.hashes_agree else NEGATIVE


# ---------------------------------------------------------------------- compare


def _register_compare(sub: Any) -> None:
    _register_two_copies(
        sub,
        "compare",
        run_compare,
        help="whether our copy and the partner's copy of an IIA agree",
        description="Compare our copy and the partner's copy of the same IIA on what both "
        "must agree on: the partners' HEIs and units and the cooperation conditions, "
        "mobility by mobility whatever their order (iia-ids, codes, contacts and "
        "signing details are each side's own). Exit status: 0 the copies agree, 1 they "
        "disagree, 2 unreadable input or not a valid IIAs v7 get response.",
        copies=(
            ("ours", "our copy ('-' for stdin)"),
            ("theirs", "the partner's copy ('-' for stdin)"),
        ),
        iia_id_help="an iia-id of the agreement, when a response holds several IIAs",
    )


def _pick_copy(name: str, iia_id: str | None) -> Iia:
    data = read_input(name)
    try:
        return select_copy(decode(data, IiasGetResponse), iia_id, what=_THE_FILE)
    except EwpError as exc:
        raise fail(exc, name) from exc


def run_compare(args: argparse.Namespace) -> int:
    ours = _pick_copy(args.ours, args.iia_id)
    theirs = _pick_copy(args.theirs, args.iia_id)
    result = compare_iias(ours, theirs)
    document = {
        "agree": result.agree,
        "differences": [
            {"path": d.path, "ours": d.ours, "theirs": d.theirs} for d in result.differences
        ],
    }
    lines = ["the copies agree"] if result.agree else []
    lines += [
        f"{d.path}: ours {quoted(d.ours)}, theirs {quoted(d.theirs)}" for d in result.differences
    ]
    emit(args, document, lines)
    return OK if result.agree else NEGATIVE


# --------------------------------------------------------------------- register

#: The ``ewp iia`` subcommands, in the order ``ewp iia --help`` lists them.
SUBCOMMANDS: Final[list[Callable[[Any], None]]] = [
    _register_hash,
    _register_verify,
    _register_diff,
    _register_compare,
]


def register(subparsers: Any) -> None:
    sub = add_command_group(
        subparsers,
        "iia",
        help="Inter-Institutional Agreement tools (iia-hash, diff, compare)",
        description="Inter-Institutional Agreements offline: the iia-hash as the official "
        "kit computes it, what changed it, and whether two partners' copies agree.",
        metavar="SUBCOMMAND",
    )
    for register_subcommand in SUBCOMMANDS:
        register_subcommand(sub)
