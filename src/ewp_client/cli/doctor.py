"""``ewp doctor HEI_ID``: check a partner's EWP endpoints and report what is wrong.

Credentials and trust come from the configuration, as for every ``ewp``
command that talks to the network (``EWP_CONFIG``, ``EWP_PRIVATE_KEY``,
``EWP_HEI_IDS``, ``EWP_CA_BUNDLE``, ``EWP_REGISTRY``...): the doctor signs
with our key, looks the partner up in the configured Registry (``--registry``
overrides it) and trusts what the client trusts.

Exit status: 0 no check failed (warnings and skipped checks allowed), 1 a
check failed, 2 bad arguments, no usable configuration or catalogue, or an
HTML file that cannot be written.
"""

from __future__ import annotations

import argparse
import dataclasses
from pathlib import Path
from typing import Any

from ..client import NO_RETRY, EwpClient
from ..config import load_config, registry_url
from ..doctor import DEFAULT_EXPIRY_DAYS, Doctor, DoctorOptions, render_html, text_lines
from ..errors import EwpError
from ._common import add_json_flag, emit_json, fail
from .contract import NEGATIVE, OK, CommandError


def _positive(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {text!r}") from None
    if not 0 < value < float("inf"):
        raise argparse.ArgumentTypeError(f"must be a positive number of seconds: {text!r}")
    return value


def _days(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number of days: {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more days: {text!r}")
    return value


def register(sub: Any) -> None:
    parser = sub.add_parser(
        "doctor",
        help="check a partner's EWP endpoints and report what is wrong",
        description="Run a battery of checks against a partner HEI: Echo (our signature "
        "accepted, its response signed, verified and bound to our request, its clock), "
        "an unsigned request refused, its TLS certificate, and for each API its manifest "
        "declares the specs' parameter rules (an unknown id ignored, too many ids refused, "
        "a batch of max ids accepted, PUT refused), schema-valid answers (its own HEI's "
        "institution and factsheet too), index -> get round trips, recomputed iia-hashes, "
        "the client's approval rules on fetched IIAs and its checks on LAs read twice; "
        "each failure or warning names the known issue it is, with evidence. Read-only "
        "unless --allow-writes. Uses the configured key, HEIs, CA "
        "bundle and Registry (EWP_CONFIG, EWP_PRIVATE_KEY...). Exit status: 0 no check "
        "failed, 1 a check failed, 2 bad arguments or no usable configuration or catalogue.",
    )
    parser.set_defaults(handler=run_doctor, command_prog=parser.prog)
    parser.add_argument("hei_id", metavar="HEI_ID", help="SCHAC id of the partner, e.g. uw.edu.pl")
    parser.add_argument(
        "--registry",
        metavar="URL",
        help="catalogue: production, development, an https:// URL or a file "
        "(default: the configured Registry)",
    )
    parser.add_argument(
        "--html", metavar="FILE", help="also write the report as one self-contained HTML page"
    )
    parser.add_argument(
        "--allow-writes",
        action="store_true",
        help="also send change notifications (IIA CNR, IIA Approval CNR, LA CNR) for an id "
        "nobody has: the partner answers and may call back; LA updates are never sent",
    )
    parser.add_argument(
        "--timeout",
        type=_positive,
        metavar="S",
        help="seconds each request may take (default: the configured timeout)",
    )
    parser.add_argument(
        "--expiry-days",
        type=_days,
        default=DEFAULT_EXPIRY_DAYS,
        metavar="N",
        help="warn when the TLS certificate expires within N days",
    )
    add_json_flag(parser)


def _client(args: argparse.Namespace) -> tuple[EwpClient, DoctorOptions]:
    try:
        config = load_config()
        if args.registry:
            registry = dataclasses.replace(config.registry, url=registry_url(args.registry))
            config = dataclasses.replace(config, registry=registry)
        if args.timeout is not None:
            config = dataclasses.replace(config, timeout=args.timeout)
        client = EwpClient.from_config(config, retry=NO_RETRY)
    except EwpError as exc:
        raise fail(exc, args.registry if args.registry else None) from exc
    options = DoctorOptions(
        allow_writes=args.allow_writes,
        expiry_days=args.expiry_days,
        ca_bundle=config.ca_bundle,
        timeout=config.timeout,
        personal_data=config.log_personal_data,
    )
    if client.key is None:
        client.close()
        raise CommandError(
            "the doctor signs its requests: configure private-key (EWP_PRIVATE_KEY)",
            kind="config",
        )
    return client, options


def run_doctor(args: argparse.Namespace) -> int:
    client, options = _client(args)
    with client:
        try:
            report = Doctor(client, options).run(args.hei_id)
        except EwpError as exc:  # no usable catalogue: nothing was checked
            raise fail(exc, args.registry or client.registry.url) from exc
    if args.html:
        try:
            Path(args.html).write_text(render_html(report), encoding="utf-8")
        except OSError as exc:
            raise CommandError.unwritable(args.html, exc) from exc
    if args.json:
        emit_json(report.to_json())
    else:
        for line in text_lines(report):
            print(line)
        if args.html:
            print(f"HTML report: {args.html}")
    return OK if report.ok else NEGATIVE
