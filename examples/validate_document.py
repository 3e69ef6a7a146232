"""Validate an EWP document offline and show what a partner would be told.

Run: ``python examples/validate_document.py [FILE]`` (default: a bundled Echo response).
"""

from __future__ import annotations

import sys
from pathlib import Path

import ewp_client


def main(argv: list[str]) -> int:
    path = Path(argv[0]) if argv else Path(__file__).parent / "data" / "echo-response.xml"
    data = path.read_bytes()
    try:
        tree = ewp_client.validate(data)
    except ewp_client.SchemaValidationError as exc:
        print(f"{path} is not valid <{exc.root}> ({exc.namespace}):")
        for v in exc.violations:
            print(f"  line {v.line}: {v.path}: {v.message}")
        return 1
    except ewp_client.XmlError as exc:
        print(f"{path}: {exc}")
        return 2
    print(f"{path}: valid <{tree.getroot().tag}>")

    broken = data.replace(b"<hei-id>", b"<echo>x</echo><hei-id>", 1)
    try:
        ewp_client.validate(broken)
    except ewp_client.SchemaValidationError as exc:
        print("after moving an element out of order, the validator says:")
        for v in exc.violations:
            print(f"  line {v.line}: {v.path}: {v.message}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
