"""Reporting an invalid document vs validating a valid one of the same size.

For each kind of hostile IIAs v7 get response (undeclared attributes on one
element, undeclared attributes spread over many elements, 200 each,
unexpected children of one element, many empty ``<iia/>``) at 2,000 and
20,000 violations: the time ``ewp_client.validate`` takes to raise its
:class:`SchemaValidationError` (first 50 violations located, the rest counted
up to the default limit), as a ratio of the time it takes to accept a valid
response of at least as many bytes (the official example's ``<iia>``
repeated). Target: <= 3x.

A second ratio puts it against libxml2 (through lxml) parsing and validating
the same invalid bytes once, reporting every error as it must: a floor no
diagnostics built on it can go under. An attribute flood is the case where
that floor is far above the valid document's time, as each error costs libxml2
and lxml a formatted message and a log entry (microseconds) and a start tag's
errors all come at once. Since the hardened parser refuses an element with
more than ``ParserLimits.max_attributes`` (256) attributes, the one-element
flood is refused before validation (column "listed" reads "refused"); spread
over elements, each within the limit, it is validated as a stream and the
count stops at ``count_limit``. The floods are dense with tags or attributes
from their first bytes: the hardened parser reads them in pieces and stops
where they are seen wide or crowded, which an invalid document does not need
read further (a valid one is read to its end before its tree is returned).

Then whether diagnostics hold up other threads: a thread validating a valid
document, timed alone and while another thread diagnoses the largest invalid
document in a loop (near 1-2x: it shares the cores, it is never queued behind
the whole diagnostics).
Run: ``python benchmarks/bench_diagnostics.py``.
"""

from __future__ import annotations

import threading

from _common import REFERENCE, best_of, need_reference
from lxml import etree

import ewp_client
from ewp_client.errors import SchemaValidationError, XmlRefusedError
from ewp_client.namespaces import IIAS_V7_GET_NS, SCHEMA_BY_NAMESPACE
from ewp_client.xml.parser import validating_parser
from ewp_client.xml.schemas import validator

SIZES = (2_000, 20_000)
TARGET = 3.0
#: Rounds timed, the best kept: sub-millisecond times on a shared machine need many.
ROUNDS = 25


def undeclared_attributes(n: int) -> bytes:
    attributes = " ".join(f'a{i}="x"' for i in range(n))
    root = f'<iias-get-response xmlns="{IIAS_V7_GET_NS}">'
    return f"{root}<iia {attributes}/></iias-get-response>".encode()


def spread_attributes(n: int) -> bytes:
    per = 200
    element = "<iia " + " ".join(f'a{i}="x"' for i in range(per)) + "/>"
    root = f'<iias-get-response xmlns="{IIAS_V7_GET_NS}">'
    return f"{root}{element * (n // per)}</iias-get-response>".encode()


def unexpected_children(n: int) -> bytes:
    children = "<x/>" * n
    root = f'<iias-get-response xmlns="{IIAS_V7_GET_NS}">'
    return f"{root}<iia>{children}</iia></iias-get-response>".encode()


def empty_iias(n: int) -> bytes:
    return (
        f'<iias-get-response xmlns="{IIAS_V7_GET_NS}">{"<iia/>" * n}</iias-get-response>'.encode()
    )


def valid_of_size(size: int) -> bytes:
    """The official IIAs v7 example with its ``<iia>`` repeated to at least ``size`` bytes."""
    example = REFERENCE / "examples" / "iias-v7" / "get-response-example.xml"
    root = etree.parse(str(example)).getroot()
    iia = root.find(f"{{{IIAS_V7_GET_NS}}}iia")
    assert iia is not None
    one = len(etree.tostring(iia))
    for _ in range(max(0, size // one)):
        root.append(etree.fromstring(etree.tostring(iia)))
    data = etree.tostring(root, xml_declaration=True, encoding="UTF-8")
    assert ewp_client.is_valid(data)
    return data


def diagnose(data: bytes) -> SchemaValidationError | XmlRefusedError:
    try:
        ewp_client.validate(data)
    except (SchemaValidationError, XmlRefusedError) as exc:
        return exc
    raise AssertionError("the document was valid")


def libxml2_once(data: bytes) -> None:
    """Parse and validate ``data`` once with lxml, every error reported (the floor)."""
    schema = validator(SCHEMA_BY_NAMESPACE[IIAS_V7_GET_NS])
    try:
        etree.fromstring(data, validating_parser(schema))
    except etree.XMLSyntaxError:
        return
    raise AssertionError("the document was valid")


def main() -> None:
    need_reference()
    print(
        f"{'document':<34}{'bytes':>9}{'listed':>8}{'total':>8}"
        f"{'invalid':>11}{'valid':>11}{'ratio':>8}{'libxml2':>11}{'/libxml2':>10}"
    )
    worst = 0.0
    largest = b""
    for build in (undeclared_attributes, spread_attributes, unexpected_children, empty_iias):
        for n in SIZES:
            data = build(n)
            error = diagnose(data)
            valid = valid_of_size(len(data))
            t_bad = best_of(lambda data=data: diagnose(data), repeat=ROUNDS)
            t_ok = best_of(lambda valid=valid: ewp_client.validate(valid), repeat=ROUNDS)
            t_floor = best_of(lambda data=data: libxml2_once(data), repeat=5)
            ratio = t_bad / t_ok
            worst = max(worst, ratio)
            largest = max(largest, data, key=len)
            if isinstance(error, SchemaValidationError):
                listed, total = f"{len(error.violations)}", f"{error.total:,}"
            else:
                listed, total = "refused", "-"
            print(
                f"{build.__name__ + f' ({n:,})':<34}{len(data):>9,}{listed:>8}"
                f"{total:>8}{t_bad * 1e3:>9.2f}ms{t_ok * 1e3:>9.2f}ms{ratio:>7.2f}x"
                f"{t_floor * 1e3:>9.2f}ms{t_bad / t_floor:>9.2f}x"
            )
    print(f"worst ratio: {worst:.2f}x (target <= {TARGET:.0f}x)")

    valid = valid_of_size(200_000)
    rounds = 40
    alone = best_of(lambda: ewp_client.validate(valid), repeat=rounds)
    stop = threading.Event()

    def diagnose_in_a_loop() -> None:
        while not stop.is_set():
            diagnose(largest)

    other = threading.Thread(target=diagnose_in_a_loop)
    other.start()
    try:
        shared = best_of(lambda: ewp_client.validate(valid), repeat=rounds)
    finally:
        stop.set()
        other.join()
    t_largest = best_of(lambda: diagnose(largest), repeat=3)
    print(
        f"another thread validating {len(valid):,} bytes: alone {alone * 1e3:.2f} ms, "
        f"while diagnostics of {len(largest):,} bytes ({t_largest * 1e3:.1f} ms each) run "
        f"in a loop {shared * 1e3:.2f} ms: {shared / alone:.2f}x"
    )


if __name__ == "__main__":
    main()
