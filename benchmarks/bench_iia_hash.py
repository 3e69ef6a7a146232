"""iia-hash: ewp_client's lxml implementation vs the official XSLT 2.0 kit run by SaxonC-HE.

Both sides start from the same bytes of every ``iia-hash-vectors`` document and
work in memory: ours is ``compute_iia_hashes(bytes)`` (hardened parse, text,
SHA-256, valid-for-approval); the baseline decodes the bytes, has Saxon parse
them and runs the compiled official stylesheet to its XML output. The outputs
are then compared IIA by IIA (outside the timed loops).

The stylesheet is not part of this project: pass a local copy of the official
kit's ``transform_version_7.xsl`` (from erasmus-without-paper/ewp-specs-api-iias,
``resources/xsltKit/``). SaxonC-HE is a benchmark-only dependency::

    pip install saxonche
    python benchmarks/bench_iia_hash.py --xslt /tmp/xsltkit/transform_version_7.xsl

Without ``--xslt`` only our side is timed. Either way the figure to watch is
ours against the parse-and-read floor (parsing, then reading the tag and text
of every element below the mobilities): the target is within 2x of it.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

from lxml import etree

from ewp_client.iia.hash import compute_iia_hashes
from ewp_client.xml.parser import parse_xml

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_VECTORS = ROOT.parent / "shared" / "ewp-reference" / "iia-hash-vectors"

Result = tuple[str, str, str, bool]  # iia_id, text_to_hash, sha256, valid_for_approval


def load_documents(folder: Path) -> list[bytes]:
    cases = [json.loads(line) for line in (folder / "cases.jsonl").read_text().splitlines()]
    return [(folder / case["file"]).read_bytes() for case in cases]


def ours(document: bytes) -> list[Result]:
    return [
        (r.iia_id, r.text_to_hash, r.sha256, r.valid_for_approval)
        for r in compute_iia_hashes(document)
    ]


def kit_results(output: str) -> list[Result]:
    """The kit's ``<iias>`` output as results; the SHA-256 is taken of its text."""
    results = []
    for iia in etree.fromstring(output.encode("utf-8")).iterchildren("iia"):
        text = iia.findtext("text-to-hash") or ""
        results.append(
            (
                iia.findtext("iia-id") or "",
                text,
                hashlib.sha256(text.encode("utf-8")).hexdigest(),
                iia.find("valid-for-approval") is None,
            )
        )
    return results


def parse_and_read(document: bytes) -> int:
    """The floor of any lxml-based hash: parse, then read tag and text of every element
    below the mobilities (what the kit's walk reads), doing nothing with them."""
    root = parse_xml(document, keep_comments=False).getroot()
    count = 0
    for conditions in root.iter("{*}cooperation-conditions"):
        for mobility in conditions:
            for element in mobility.iterdescendants():
                element.tag, element.text, len(element)
                count += 1
    return count


def time_rounds(run: Callable[[], object], rounds: int) -> list[float]:
    seconds = []
    for _ in range(rounds):
        start = time.perf_counter()
        run()
        seconds.append(time.perf_counter() - start)
    return seconds


def print_rounds(label: str, rounds: list[float], n: int) -> None:
    per_doc = [1e3 * s / n for s in rounds]
    print(
        f"{label:>26}: median {statistics.median(per_doc):.3f} ms/doc, "
        f"best {min(per_doc):.3f} ms/doc ({len(rounds)} rounds)"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--xslt", type=Path, help="official transform_version_7.xsl (without it: no Saxon baseline)"
    )
    parser.add_argument("--vectors", type=Path, default=DEFAULT_VECTORS)
    parser.add_argument("--rounds", type=int, default=15)
    args = parser.parse_args()
    documents = load_documents(args.vectors)
    n = len(documents)
    ours_outputs = [ours(d) for d in documents]
    ours_rounds: list[float] = []
    parse_rounds: list[float] = []
    read_rounds: list[float] = []
    saxon_rounds: list[float] = []
    saxon_outputs: list[str] = []

    def our_rounds() -> None:
        ours_rounds.extend(time_rounds(lambda: [compute_iia_hashes(d) for d in documents], 1))
        parse_rounds.extend(
            time_rounds(lambda: [parse_xml(d, keep_comments=False) for d in documents], 1)
        )
        read_rounds.extend(time_rounds(lambda: [parse_and_read(d) for d in documents], 1))

    if args.xslt is None:
        for _ in range(args.rounds):
            our_rounds()
    else:
        try:
            from saxonche import PySaxonProcessor
        except ImportError:
            print("the baseline needs SaxonC-HE: pip install saxonche", file=sys.stderr)
            return 2
        with PySaxonProcessor(license=False) as processor:
            stylesheet = processor.new_xslt30_processor().compile_stylesheet(
                stylesheet_file=str(args.xslt)
            )

            def saxon(document: bytes) -> str:
                node = processor.parse_xml(xml_text=document.decode("utf-8"))
                return str(stylesheet.transform_to_string(xdm_node=node))

            saxon_outputs = [saxon(d) for d in documents]  # also warms Saxon up
            for _ in range(args.rounds):  # interleaved, so that machine load hits all alike
                our_rounds()
                saxon_rounds += time_rounds(lambda: [saxon(d) for d in documents], 1)

    iia_count = sum(len(o) for o in ours_outputs)
    agree = sum(kit_results(s) == o for s, o in zip(saxon_outputs, ours_outputs, strict=False))
    print(f"documents: {n} ({iia_count} IIAs)", end="")
    print(f"; identical output: {agree}/{n}" if saxon_outputs else " (no --xslt: no baseline)")
    if saxon_rounds:
        print_rounds("SaxonC-HE + official XSLT", saxon_rounds, n)
    print_rounds("ewp_client", ours_rounds, n)
    print_rounds("(parsing alone, lxml)", parse_rounds, n)
    print_rounds("(parse + read each element)", read_rounds, n)
    elements = sum(parse_and_read(d) for d in documents) / n
    to_floor = statistics.median(ours_rounds) / statistics.median(read_rounds)
    print(
        f"ewp_client vs the parse-and-read floor ({elements:.0f} elements below the "
        f"mobilities a document): {to_floor:.2f}x (median); target <= 2x"
    )
    if saxon_rounds:
        median_ratio = statistics.median(saxon_rounds) / statistics.median(ours_rounds)
        best_ratio = min(saxon_rounds) / min(ours_rounds)
        print(f"speed-up: {median_ratio:.1f}x (median), {best_ratio:.1f}x (best); target >= 10x")
        floor = statistics.median(saxon_rounds) / statistics.median(parse_rounds)
        print(f"(ceiling if hashing cost nothing beyond parsing: {floor:.1f}x)")
        read_floor = statistics.median(saxon_rounds) / statistics.median(read_rounds)
        print(f"(ceiling if the kit's rules cost nothing beyond reading: {read_floor:.1f}x)")
    return 0 if not saxon_outputs or agree == n else 1


if __name__ == "__main__":
    sys.exit(main())
