"""``ewp la classify`` and ``ewp la proposal-id``: learning agreements offline.

Each FILE is either an OMobility LAs ``get`` response holding exactly one
``la``, or a bare ``la`` element in the get-response namespace.
"""

from __future__ import annotations

import argparse
from typing import Any

from lxml import etree

from ..codec import decode, root_tag
from ..errors import LearningAgreementError, XmlError
from ..models.la import LasGetResponse, LearningAgreement
from ..namespaces import LAS_GET_NS
from ..ola.amendments import classify_amendment
from ..ola.proposal import proposal_id
from ..xml import parse_xml
from ._common import (
    NEGATIVE,
    OK,
    UsageError,
    add_command,
    add_command_group,
    add_json_flag,
    emit,
    emit_json,
    err,
    read_input,
)

_LA_TAG = f"{{{LAS_GET_NS}}}la"


def register(sub: Any) -> None:
    verbs = add_command_group(
        sub,
        "la",
        help="learning agreements: classify amendments, derive proposal ids",
        metavar="ACTION",
    )

    classify = add_command(
        verbs,
        "classify",
        run_classify,
        help="tell whether BEFORE -> AFTER is no, a minor or a major amendment",
        description="Compare two versions of one LA. Exit status: 0 classified, "
        "2 unreadable or invalid input.",
    )
    classify.add_argument("before", metavar="BEFORE", help="LA get response or <la> ('-': stdin)")
    classify.add_argument("after", metavar="AFTER", help="LA get response or <la>")
    add_json_flag(classify)

    pid = add_command(
        verbs,
        "proposal-id",
        run_proposal_id,
        help="print the id this library derives for the file's changes-proposal",
        description="Exit status: 0 printed, 1 the LA has no changes-proposal, "
        "2 unreadable or invalid input.",
    )
    pid.add_argument("file", metavar="FILE", help="LA get response or <la> ('-': stdin)")
    add_json_flag(pid)


def load_la(path: str) -> LearningAgreement:
    """The one LA of ``path``; :class:`UsageError` when unreadable, invalid or not one LA."""
    data = read_input(path)
    try:
        root = parse_xml(data).getroot()
        if root.tag == _LA_TAG:
            wrapper = etree.Element(root_tag(LasGetResponse), nsmap={None: LAS_GET_NS})
            wrapper.append(root)
            response = decode(wrapper, LasGetResponse)
        else:
            response = decode(data, LasGetResponse)
    except XmlError as exc:
        raise UsageError(f"{path}: {exc}") from exc
    if len(response.las) != 1:
        raise UsageError(f"{path}: expected exactly one <la>, found {len(response.las)}")
    return response.las[0]


def run_classify(args: argparse.Namespace) -> int:
    before = load_la(args.before)
    after = load_la(args.after)
    try:
        report = classify_amendment(before, after)
    except LearningAgreementError as exc:
        raise UsageError(str(exc)) from exc
    if args.json:
        emit_json(report.to_json())
        return OK
    print(report.kind.value)
    for c in report.changes:
        mark = " (re-validation)" if c.requires_revalidation else ""
        print(f"  [{c.table.value}] {c.path}: {c.before!r} -> {c.after!r}{mark}")
    return OK


def run_proposal_id(args: argparse.Namespace) -> int:
    la = load_la(args.file)
    proposal = la.changes_proposal
    if proposal is None:
        if args.json:
            emit_json({"file": args.file, "declared": None, "derived": None})
        else:
            err(f"{args.file}: the LA has no changes-proposal")
        return NEGATIVE
    derived = proposal_id(proposal)
    emit(args, {"file": args.file, "declared": proposal.id, "derived": derived}, [derived])
    return OK
