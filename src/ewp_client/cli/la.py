"""``ewp la classify`` and ``ewp la proposal-id``: learning agreements offline.

Each FILE is either an OMobility LAs ``get`` response holding exactly one
``la``, or a bare ``la`` element in the get-response namespace.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any, Final

from lxml import etree

from ..codec import decode, root_tag
from ..errors import EwpError
from ..models.la import LasGetResponse, LearningAgreement
from ..namespaces import LAS_GET_NS
from ..ola.amendments import AmendmentKind, classify_amendment
from ..ola.proposal import proposal_id
from ..xml import parse_xml
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
from .contract import NEGATIVE, OK, CommandError

_LA_TAG = f"{{{LAS_GET_NS}}}la"

#: ``--fail-on`` choices and the amendment kinds that make the command exit 1.
FAIL_ON: Final = {
    "minor": (AmendmentKind.MINOR, AmendmentKind.MAJOR),
    "major": (AmendmentKind.MAJOR,),
}


def register(sub: Any) -> None:
    verbs = add_command_group(
        sub,
        "la",
        help="learning agreements: classify amendments, derive proposal ids",
        description="Online Learning Agreements offline. Each FILE is an OMobility LAs get "
        "response holding exactly one <la>, or a bare <la> in that namespace.",
        metavar="ACTION",
    )

    classify = add_command(
        verbs,
        "classify",
        run_classify,
        help="tell whether BEFORE -> AFTER is no, a minor or a major amendment",
        description="Compare two versions of one LA: no amendment, a minor one (dates, "
        "contacts: no re-validation) or a major one (Tables A, B, C, student identity: a new "
        "changes-proposal). Exit status: 0 classified, 1 the amendment is of a kind "
        "--fail-on names, 2 unreadable or invalid input.",
    )
    classify.add_argument("before", metavar="BEFORE", help="LA get response or <la> ('-': stdin)")
    classify.add_argument("after", metavar="AFTER", help="LA get response or <la> ('-': stdin)")
    classify.add_argument(
        "--fail-on",
        choices=sorted(FAIL_ON),
        default=None,
        help="exit 1 when the amendment is minor or major (minor), or major (major); "
        "default: never",
    )
    add_json_flag(classify)

    pid = add_command(
        verbs,
        "proposal-id",
        run_proposal_id,
        help="print the id this library derives for the file's changes-proposal",
        description="Derive the id of the LA's changes-proposal from its content (equal "
        "content, equal id) and show it with the declared one. Exit status: 0 printed, 1 the "
        "LA has no changes-proposal, 2 unreadable or invalid input.",
    )
    pid.add_argument("file", metavar="FILE", help="LA get response or <la> ('-': stdin)")
    add_json_flag(pid)


def _decode_la_response(data: bytes) -> LasGetResponse:
    root = parse_xml(data).getroot()
    if root.tag != _LA_TAG:
        return decode(data, LasGetResponse)
    wrapper = etree.Element(root_tag(LasGetResponse), nsmap={None: LAS_GET_NS})
    wrapper.append(root)
    return decode(wrapper, LasGetResponse)


def load_la(path: str) -> LearningAgreement:
    """The one LA of ``path``; :class:`CommandError` naming it when unusable or not one LA."""
    data = read_input(path)
    try:
        response = _decode_la_response(data)
    except EwpError as exc:
        raise fail(exc, path) from exc
    if len(response.las) != 1:
        raise CommandError(
            f"expected exactly one <la>, found {len(response.las)}",
            kind="wrong-document",
            file=path,
        )
    return response.las[0]


def run_classify(args: argparse.Namespace) -> int:
    before = load_la(args.before)
    after = load_la(args.after)
    try:
        report = classify_amendment(before, after)
    except EwpError as exc:
        raise fail(exc, args.after) from exc
    failing = FAIL_ON.get(args.fail_on, ())
    status = NEGATIVE if report.kind in failing else OK
    if args.json:
        emit_json(report.to_json())
        return status
    print(report.kind.value)
    for c in report.changes:
        mark = " (re-validation)" if c.requires_revalidation else ""
        print(f"  [{c.table.value}] {c.path}: {quoted(c.before)} -> {quoted(c.after)}{mark}")
    return status


def run_proposal_id(args: argparse.Namespace) -> int:
    la = load_la(args.file)
    proposal = la.changes_proposal
    if proposal is None:
        if args.json:
            emit_json({"file": args.file, "declared": None, "derived": None})
        else:
            print(f"{args.file}: the LA has no changes-proposal", file=sys.stderr)
        return NEGATIVE
    derived = proposal_id(proposal)
    emit(args, {"file": args.file, "declared": proposal.id, "derived": derived}, [derived])
    return OK
