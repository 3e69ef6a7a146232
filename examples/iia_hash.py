"""Compute and check an IIA's iia-hash, and see what a partner's silent change does to it.

The iia-hash (IIA API v7) is the SHA-256 of a text the official XSLT kit builds
from the agreement; approvals quote it. This script hashes the bundled IIA,
verifies its declared hash, then changes a contact (not hashed) and the number
of mobilities (hashed) and shows which one breaks the approval.

Run: ``python examples/iia_hash.py``
"""

from __future__ import annotations

from pathlib import Path

from ewp_client.errors import IiaHashError
from ewp_client.iia import compute_iia_hashes, verify_iia_hashes

DATA = Path(__file__).parent / "data" / "iia-get-response.xml"


def main() -> None:
    document = DATA.read_bytes()
    (result,) = verify_iia_hashes(document)
    print(
        f"IIA {result.iia_id}: iia-hash {result.sha256} "
        f"(valid for approval: {result.valid_for_approval})"
    )
    print(f"text hashed: {result.text_to_hash[:100]}...")

    renamed = document.replace(b"Ada Coordinator", b"Grace Coordinator")
    (same,) = compute_iia_hashes(renamed)
    verdict = "unchanged" if same.sha256 == result.sha256 else "different"
    print(f"after a contact change the hash is {verdict}")

    more = document.replace(b"<mobilities-per-year>4<", b"<mobilities-per-year>5<")
    try:
        verify_iia_hashes(more)
    except IiaHashError as exc:
        print(f"after changing mobilities-per-year without a new hash: {type(exc).__name__}")
        print(f"  declared {exc.declared}\n  computed {exc.computed}")


if __name__ == "__main__":
    main()
