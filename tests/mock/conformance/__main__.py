"""Print the conformance table's rules per endpoint: ``python -m tests.mock.conformance``.

One line per endpoint the mock's manifest announces: its path, the request
rules' name, the methods it takes, its ``max-*`` numbers, and each rule with
the status it expects (every rule runs with and without asking for a signed
answer, and for every method listed).
"""

from __future__ import annotations

from .cases import cases_of
from .harness import endpoints


def main() -> None:
    for endpoint in endpoints():
        rules: dict[str, int] = {}
        for case in cases_of(endpoint):
            rules.setdefault(case.rule, case.status)
        limits = ", ".join(f"{k}={v}" for k, v in endpoint.limits.items()) or "no max-*"
        print(f"{endpoint.path}  [{endpoint.name}; {'/'.join(endpoint.rules.methods)}; {limits}]")
        print("    " + ", ".join(f"{rule} {status}" for rule, status in rules.items()))


if __name__ == "__main__":
    main()
