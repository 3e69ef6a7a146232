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

from ..errors import EwpError
from ..security.keys import (
    MIN_GENERATED_BITS,
    generate_private_key,
    key_id,
    load_public_key,
    private_key_pem,
    public_key_der,
    public_key_pem,
)
from ._common import add_command, add_command_group, add_json_flag, emit, fail, read_input
from .contract import OK, CommandError

#: The kind of a failure for a file that holds no usable key.
NOT_A_KEY = "not-a-key"

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


def run_generate(args: argparse.Namespace) -> int:
    out = Path(args.out)
    private_path, public_path = out / PRIVATE_FILE, out / PUBLIC_FILE
    if not args.force:
        existing = [p.name for p in (private_path, public_path) if p.exists()]
        if existing:
            raise CommandError(
                f"refusing to overwrite {', '.join(existing)} (use --force)", file=str(out)
            )
    try:
        key = generate_private_key(args.bits)
    except EwpError as exc:
        raise fail(exc, None) from exc
    try:
        out.mkdir(parents=True, exist_ok=True)
        fd = os.open(private_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(private_key_pem(key))
        public_path.write_bytes(public_key_pem(key))
    except OSError as exc:
        raise CommandError.unwritable(str(out), exc) from exc
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
    except EwpError as exc:  # whatever the key loader refuses: no usable key in the file
        raise CommandError(str(exc), kind=NOT_A_KEY, file=args.file) from exc
    report = {"file": args.file, **_describe(public)}
    emit(args, report, [report["key_id"]])
    return OK
