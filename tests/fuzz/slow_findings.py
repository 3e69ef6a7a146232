"""The fuzzer's slow-input findings as growth figures: ``python -m tests.fuzz.slow_findings``.

Tests assert no times, so a slow-input finding is kept here instead: for each,
the entry point runs on the same document shape at ``n`` and ``4n`` and the
script prints the growth of its CPU time (linear work: about 4x, quadratic:
about 16x) next to the growth of a linear baseline timed in the same run
(``parse_xml`` of the same bytes) and the ratio entry point / baseline at the
larger size. Exit status 1 when an entry point grows more than twice as fast
as its baseline.
"""

from __future__ import annotations

import contextlib
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass

import ewp_client
from ewp_client.errors import EwpError
from ewp_client.iia import compute_iia_hashes

ECHO_NS = b"https://github.com/erasmus-without-paper/ewp-specs-api-echo/tree/stable-v2"
IIAS_NS = b"https://github.com/erasmus-without-paper/ewp-specs-api-iias/blob/stable-v7/endpoints/get-response.xsd"


def echo_with_references(n: int) -> bytes:
    """A valid Echo response whose one value is ``n`` references (``&amp;``)."""
    return b'<response xmlns="' + ECHO_NS + b'"><hei-id>' + b"&amp;" * n + b"</hei-id></response>"


def echo_with_comments(n: int) -> bytes:
    """A valid Echo response whose one value is split by ``n`` comments."""
    return (
        b'<response xmlns="' + ECHO_NS + b'"><hei-id>' + b"x<!---->" * n + b"</hei-id></response>"
    )


def echo_with_instructions(n: int) -> bytes:
    """A valid Echo response whose one value is split by ``n`` processing instructions."""
    return b'<response xmlns="' + ECHO_NS + b'"><hei-id>' + b"x<?p?>" * n + b"</hei-id></response>"


def echo_with_attributes(n: int) -> bytes:
    """An Echo response with ``n`` undeclared attributes."""
    attributes = b"".join(b' a%d="v"' % i for i in range(n))
    return b'<response xmlns="' + ECHO_NS + b'"' + attributes + b"><hei-id>x</hei-id></response>"


def iias_with_attributes(n: int) -> bytes:
    """An IIAs get response whose ``<iia>`` carries ``n`` attributes."""
    attributes = b"".join(b' a%d="v"' % i for i in range(n))
    return (
        b'<iias-get-response xmlns="' + IIAS_NS + b'"><iia' + attributes + b">"
        b"<partner><hei-id>a.example.org</hei-id><iia-id>1</iia-id></partner>"
        b"<partner><hei-id>b.example.org</hei-id></partner>"
        b"<in-effect>true</in-effect><cooperation-conditions/></iia></iias-get-response>"
    )


def _validate(data: bytes) -> None:
    ewp_client.validate(data)


def _hash(data: bytes) -> None:
    compute_iia_hashes(data)


@dataclass(frozen=True)
class SlowFinding:
    name: str
    document: Callable[[int], bytes]
    entry_point: Callable[[bytes], object]
    n: int


FINDINGS = (
    SlowFinding(
        "validate: a value of many references (&amp;)", echo_with_references, _validate, 100_000
    ),
    SlowFinding("validate: a value split by comments", echo_with_comments, _validate, 2_500),
    SlowFinding(
        "validate: a value split by processing instructions",
        echo_with_instructions,
        _validate,
        2_500,
    ),
    SlowFinding("validate: undeclared attributes", echo_with_attributes, _validate, 2_000),
    SlowFinding("compute_iia_hashes: attributes on <iia>", iias_with_attributes, _hash, 20_000),
)


def _cpu(run: Callable[[bytes], object], data: bytes) -> float:
    best = float("inf")
    for _ in range(3):
        start = time.process_time()
        with contextlib.suppress(EwpError):
            run(data)
        best = min(best, time.process_time() - start)
    return max(best, 1e-6)


def main() -> int:
    worst = 0.0
    print(f"{'finding':<48}{'n':>9}{'growth x4n':>12}{'baseline':>10}{'ratio @4n':>11}")
    for finding in FINDINGS:
        small, large = finding.document(finding.n), finding.document(4 * finding.n)
        growth = _cpu(finding.entry_point, large) / _cpu(finding.entry_point, small)
        base = _cpu(ewp_client.parse_xml, large) / _cpu(ewp_client.parse_xml, small)
        ratio = _cpu(finding.entry_point, large) / _cpu(ewp_client.parse_xml, large)
        worst = max(worst, growth / base)
        print(f"{finding.name:<48}{finding.n:>9}{growth:>11.1f}x{base:>9.1f}x{ratio:>10.1f}x")
    return 1 if worst > 2 else 0


if __name__ == "__main__":
    sys.exit(main())
