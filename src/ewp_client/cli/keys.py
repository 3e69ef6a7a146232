"""``ewp keys generate|fingerprint``: make an RSA key pair, compute a key's EWP keyId.

Exit status: 0 done, 2 bad arguments, unreadable input, a file that holds no
usable key, or refusing to overwrite.
"""

from __future__ import annotations

import argparse
import base64
import os
from pathlib import Path
from typing import Any

from ..errors import EwpError, KeyFileError
from ..security.keys import (
    MIN_GENERATED_BITS,
    generate_private_key,
    key_id,
    load_public_key,
    public_key_der,
    write_private_key,
    write_public_key,
)
from ._common import add_command, add_command_group, add_json_flag, emit, fail, read_input
from .contract import OK, UNWRITABLE, CommandError

PRIVATE_FILE = "private-key.pem"
PUBLIC_FILE = "public-key.pem"


def register(sub: Any) -> None:
    commands = add_command_group(
        sub,
        "keys",
        help="generate an RSA key pair or compute a key's keyId",
        description="RSA keys for EWP HTTP Signatures.",
    )

    generate = add_command(
        commands,
        "generate",
        run_generate,
        help="write a new RSA key pair as PEM files",
        description=f"Write {PRIVATE_FILE} (mode 0600) and {PUBLIC_FILE} into DIR and print "
        "the keyId. Exit status: 0 written, 2 bad arguments or files already there.",
    )
    generate.add_argument("--out", required=True, metavar="DIR", help="directory for the files")
    generate.add_argument(
        "--bits", type=int, default=MIN_GENERATED_BITS, help="key size in bits (at least 2048)"
    )
    generate.add_argument("--force", action="store_true", help="overwrite existing files")
    add_json_flag(generate)

    fingerprint = add_command(
        commands,
        "fingerprint",
        run_fingerprint,
        help="print the EWP keyId of a key or certificate",
        description="Print the lower-case hex SHA-256 of the DER public key: the keyId EWP "
        "signatures and the Registry use. FILE may be a PEM public or private key, a PEM "
        "certificate, DER, or base64 DER as in manifests ('-' for stdin). "
        "Exit status: 0 printed, 2 unreadable or no usable key.",
    )
    fingerprint.add_argument("file", metavar="FILE", help="key or certificate ('-' for stdin)")
    add_json_flag(fingerprint)


def _describe(public: Any) -> dict[str, Any]:
    return {
        "key_id": key_id(public),
        "bits": public.key_size,
        "public_key_base64": base64.b64encode(public_key_der(public)).decode("ascii"),
    }


def _refuse_existing(private_path: Path, public_path: Path) -> None:
    """Refuse before generating (which may take long) when a key file is already there."""
    existing = [p.name for p in (private_path, public_path) if os.path.lexists(p)]
    if existing:
        raise CommandError(
            f"refusing to overwrite {', '.join(existing)} (use --force)",
            kind=UNWRITABLE,
            file=str(private_path.parent),
        )


def _write_pair(out: Path, private_path: Path, public_path: Path, key: Any, force: bool) -> None:
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise CommandError.unwritable(str(out), exc) from exc
    try:
        write_private_key(private_path, key, overwrite=force)
        write_public_key(public_path, key, overwrite=force)
    except KeyFileError as exc:
        error = fail(exc, exc.path)
        if exc.reason == "exists":
            error.message += " (use --force)"
        raise error from exc


def run_generate(args: argparse.Namespace) -> int:
    out = Path(args.out)
    private_path, public_path = out / PRIVATE_FILE, out / PUBLIC_FILE
    if not args.force:
        _refuse_existing(private_path, public_path)
    try:
        key = generate_private_key(args.bits)
    except EwpError as exc:
        raise fail(exc, None) from exc
    _write_pair(out, private_path, public_path, key, args.force)
    report = {
        **_describe(key.public_key()),
        "private_key": str(private_path),
        "public_key": str(public_path),
    }
    emit(
        args,
        report,
        [
            f"private key: {private_path}",
            f"public key:  {public_path}",
            f"keyId:       {report['key_id']}",
        ],
    )
    return OK


def run_fingerprint(args: argparse.Namespace) -> int:
    data = read_input(args.file)
    try:
        public = load_public_key(data)
    except EwpError as exc:
        raise fail(exc, args.file) from exc
    report = {"file": args.file, **_describe(public)}
    emit(args, report, [report["key_id"]])
    return OK
