"""Bounded diagnostics: the first N violations located, the rest counted, no thread held up."""

from __future__ import annotations

import re
import threading

import pytest
from lxml import etree

from ewp_client import (
    MalformedXmlError,
    ParserLimits,
    SchemaValidationError,
    Violation,
    XmlTooDeepError,
    XmlTooManyAttributesError,
    is_valid,
    validate,
)
from ewp_client.codec import decode
from ewp_client.models import IiasGetResponse
from ewp_client.namespaces import ECHO_NS, IIAS_V7_GET_NS
from ewp_client.xml import diagnostics
from ewp_client.xml.parser import DEFAULT_MAX_ATTRIBUTES
from ewp_client.xml.validate import streamable
from tests.conformance import reference

ROOT = f'<iias-get-response xmlns="{IIAS_V7_GET_NS}">'
ECHO_OK = f'<response xmlns="{ECHO_NS}"><hei-id>uni.example.org</hei-id></response>'.encode()


def empty_iias(n: int) -> bytes:
    return (ROOT + "\n<iia/>" * n + "\n</iias-get-response>").encode()


def test_the_first_violations_are_listed_and_the_rest_counted() -> None:
    with pytest.raises(SchemaValidationError) as info:
        validate(empty_iias(120), max_violations=7, count_limit=1_000)
    err = info.value
    assert len(err.violations) == 7
    assert (err.total, err.more, err.total_is_exact) == (120, 113, True)
    assert [v.line for v in err.violations] == list(range(2, 9))  # one <iia/> a line
    assert [v.path for v in err.violations] == [f"/iias-get-response/iia[{i}]" for i in range(1, 8)]
    assert err.violations[0].message == (
        "<iia>: a required child element is missing; expected <partner>"
    )
    assert "(and 119 more)" in str(err)


def test_counting_stops_at_the_limit_and_says_so() -> None:
    with pytest.raises(SchemaValidationError) as info:
        validate(empty_iias(5_000), max_violations=3, count_limit=100)
    err = info.value
    assert len(err.violations) == 3
    assert err.total_is_exact is False
    assert 100 <= err.total < 5_000
    assert str(err).endswith("+ more)")


def test_many_undeclared_attributes_are_listed_and_counted() -> None:
    attributes = " ".join(f'a{i}="x"' for i in range(200))
    with pytest.raises(SchemaValidationError) as info:
        validate(f"{ROOT}<iia {attributes}/></iias-get-response>".encode())
    err = info.value
    assert len(err.violations) == 50
    assert err.total >= 100
    assert err.violations[0].message == "<iia>: attribute 'a0' is not allowed"
    assert {(v.line, v.path) for v in err.violations} == {(1, "/iias-get-response/iia[1]")}


def test_an_element_over_the_attribute_limit_is_refused_before_validation() -> None:
    attributes = " ".join(f'a{i}="x"' for i in range(DEFAULT_MAX_ATTRIBUTES + 1))
    document = f"{ROOT}\n<iia {attributes}/></iias-get-response>".encode()
    with pytest.raises(XmlTooManyAttributesError) as info:
        validate(document)
    assert (info.value.limit, info.value.line, info.value.construct) == (
        DEFAULT_MAX_ATTRIBUTES,
        2,
        "attributes",
    )
    raised = ParserLimits(max_attributes=DEFAULT_MAX_ATTRIBUTES + 1)
    with pytest.raises(SchemaValidationError) as invalid:
        validate(document, limits=raised)
    assert invalid.value.violations[0].message == "<iia>: attribute 'a0' is not allowed"


def test_namespace_declarations_are_not_attributes() -> None:
    declarations = " ".join(f'xmlns:p{i}="urn:x-{i}"' for i in range(DEFAULT_MAX_ATTRIBUTES + 10))
    with pytest.raises(SchemaValidationError) as info:
        validate(f"{ROOT}<iia {declarations}/></iias-get-response>".encode())
    assert "attribute" not in info.value.violations[0].message


def test_an_attribute_error_goes_to_the_element_carrying_it() -> None:
    document = f'{ROOT}<iia/>\n<iia x="1"/>\n<iia y="2"/></iias-get-response>'.encode()
    with pytest.raises(SchemaValidationError) as info:
        validate(document, max_violations=10)
    attribute_errors = [v for v in info.value.violations if "attribute" in v.message]
    assert [(v.line, v.path) for v in attribute_errors] == [
        (2, "/iias-get-response/iia[2]"),
        (3, "/iias-get-response/iia[3]"),
    ]


def test_a_value_of_the_wrong_type_reads_as_a_sentence() -> None:
    document = f"""<response xmlns="{ECHO_NS}"><hei-id>uni.example.org</hei-id>
<bogus>June 2019</bogus></response>""".encode()
    with pytest.raises(SchemaValidationError) as info:
        validate(document)
    (violation,) = info.value.violations
    assert violation.line == 2
    assert "<class" not in violation.message
    assert "{" not in violation.message


def test_an_unresolvable_xsi_type_is_a_violation() -> None:
    document = (
        f'{ROOT[:-1]} xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
        '<iia xsi:type="foo:Bar"/></iias-get-response>'
    ).encode()
    with pytest.raises(SchemaValidationError) as info:
        validate(document)
    assert any("foo:Bar" in v.message for v in info.value.violations)
    with pytest.raises(SchemaValidationError):
        decode(document, IiasGetResponse)


def test_a_tree_is_validated_with_its_own_lines() -> None:
    tree = etree.fromstring(empty_iias(3)).getroottree()
    with pytest.raises(SchemaValidationError) as info:
        validate(tree)
    assert [v.line for v in info.value.violations] == [2, 3, 4]


def test_another_thread_validates_while_diagnostics_are_under_way(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The diagnostics pass is paused half-way; a second thread validates meanwhile."""
    paused, resume = threading.Event(), threading.Event()
    original = diagnostics._violations

    def pausing(
        found: list[tuple[str, etree._Element | None]], given: etree._ElementTree | None
    ) -> list[Violation]:
        if threading.current_thread().name == "diagnosing":
            paused.set()
            resume.wait()
        return original(found, given)

    monkeypatch.setattr(diagnostics, "_violations", pausing)
    outcome: list[BaseException] = []

    def diagnose() -> None:
        try:
            validate(empty_iias(300))  # wider than a tree is validated as
        except SchemaValidationError as exc:
            outcome.append(exc)

    first = threading.Thread(target=diagnose, name="diagnosing")
    first.start()
    try:
        assert paused.wait(60)
        second_done = threading.Event()
        second = threading.Thread(target=lambda: (validate(ECHO_OK), second_done.set()))
        second.start()
        second.join(60)
        assert second_done.is_set()  # finished while the first is still mid-diagnostics
        assert not outcome
    finally:
        resume.set()
        first.join(60)
    assert len(outcome) == 1
    assert isinstance(outcome[0], SchemaValidationError)


@pytest.mark.skipif(not reference.available(), reason=reference.MISSING_REASON)
def test_a_bad_year_month_reads_as_the_type_it_should_be() -> None:
    example = reference.EXAMPLES / "omobility-las-v1" / "get-response-example.xml"
    data = example.read_bytes()
    bad = re.sub(
        rb"<start-year-month>[^<]*</start-year-month>",
        b"<start-year-month>June 2019</start-year-month>",
        data,
        count=1,
    )
    with pytest.raises(SchemaValidationError) as info:
        validate(bad)
    (violation,) = info.value.violations
    assert violation.message == "<start-year-month>: 'June 2019' is not a valid xs:gYearMonth"
    assert violation.path == "/omobility-las-get-response/la[1]/start-year-month[1]"
    assert violation.line == data[: data.index(b"<start-year-month>")].count(b"\n") + 1


def test_a_violation_found_at_the_very_end_is_located() -> None:
    with pytest.raises(SchemaValidationError) as info:
        validate(f"{ROOT}<iia>\n</iia></iias-get-response>".encode())
    (violation,) = info.value.violations
    assert (violation.line, violation.path) == (1, "/iias-get-response/iia[1]")
    assert violation.message == "<iia>: a required child element is missing; expected <partner>"


def test_a_document_full_of_references_is_read_from_its_own_tree() -> None:
    """Thousands of references in one value: validated through :func:`streamable`."""
    value = "&lt;&amp;" * 3_000
    document = (
        f'<response xmlns="{ECHO_NS}"><hei-id>uni.example.org</hei-id>'
        f"<!-- a comment -->\n<echo>{value}</echo></response>"
    ).encode()
    tree = validate(document)
    assert tree.getroot()[-1].text == "<&" * 3_000
    assert tree.getroot()[1].tag is etree.Comment  # the caller's tree keeps its comments
    bad = document.replace(b"<echo>", b"<echo bogus='1'>")
    with pytest.raises(SchemaValidationError) as info:
        validate(bad)
    (violation,) = info.value.violations
    assert (violation.line, violation.path) == (2, "/response/echo[1]")


def test_streamable_leaves_out_comments_and_writes_markup_as_cdata() -> None:
    tree = etree.fromstring(
        b"<r><a>x<!-- c --><?pi?>y</a><b>1 &lt; 2 &amp;&amp; 3 &gt; 2</b><c>]]&gt;&amp;</c></r>"
    ).getroottree()
    assert streamable(tree) == (
        b"<r><a>xy</a><b><![CDATA[1 < 2 && 3 > 2]]></b><c>]]&gt;&amp;</c></r>"
    )


def test_a_malformed_start_tag_is_malformed_even_where_the_schema_streams() -> None:
    """libxml2's validating push parser lets this through; validation must not."""
    document = f'<response xmlns="{ECHO_NS}">\n<hei-id>x</hei-id>\n<ec"ho>y</echo></response>'
    with pytest.raises(MalformedXmlError) as info:
        validate(document.encode())
    assert info.value.line == 3
    with pytest.raises(MalformedXmlError):
        is_valid(document.encode())


def test_a_value_cut_by_many_comments_is_validated_without_them_and_errors_keep_their_place() -> (
    None
):
    """libxml2's tree validator joins a value's pieces one copy at a time (O(n²) in comments).

    So a tree with many comments or processing instructions is validated as a
    comment-free copy; violations are still placed on the document as given.
    """
    from ewp_client.xml.validate import TREE_MAX_SPLITTERS, _without_splitters

    text = "<!--c-->a" * (TREE_MAX_SPLITTERS + 1)
    document = (
        f'<response xmlns="{ECHO_NS}">\n<hei-id>{text}</hei-id>\n<bogus/></response>'.encode()
    )
    tree = etree.fromstring(document).getroottree()
    assert _without_splitters(tree, document) is not tree
    assert _without_splitters(tree, None) is not tree
    few = document.replace(text.encode(), b"<!--c-->a")
    few_tree = etree.fromstring(few).getroottree()
    assert _without_splitters(few_tree, few) is few_tree
    assert _without_splitters(few_tree, None) is few_tree
    with pytest.raises(SchemaValidationError) as info:
        validate(document)
    (violation,) = info.value.violations
    assert (violation.line, violation.path) == (3, "/response/bogus[1]")
    valid = document.replace(b"\n<bogus/>", b"")
    assert is_valid(valid)
    returned = validate(valid).getroot()[0]  # the tree as given, comments and all
    assert len(returned) == TREE_MAX_SPLITTERS + 1
    assert returned.xpath("string()") == "a" * (TREE_MAX_SPLITTERS + 1)


def _many_echoes(n: int, tail: str = "</response>") -> bytes:
    """An echo response dense with tags: read in pieces, seen wide at its root."""
    return (
        f'<response xmlns="{ECHO_NS}"><hei-id>x</hei-id>' + "<echo>e</echo>" * n + tail
    ).encode()


def test_a_valid_document_seen_wide_early_is_returned_whole() -> None:
    tree = validate(_many_echoes(3_000))
    assert len(tree.getroot()) == 3_001
    assert tree.getroot()[-1].text == "e"


def test_a_document_seen_wide_early_and_broken_at_its_end_is_malformed() -> None:
    document = _many_echoes(3_000, tail="<echo>e</ech></response>")
    with pytest.raises(MalformedXmlError):
        validate(document)


def test_a_valid_document_seen_wide_early_is_checked_against_the_limits() -> None:
    with pytest.raises(XmlTooDeepError):
        validate(_many_echoes(3_000), limits=ParserLimits(max_depth=1))


def test_violations_of_a_document_seen_wide_early_are_placed() -> None:
    with pytest.raises(SchemaValidationError) as info:
        validate(empty_iias(2_000))
    err = info.value
    assert len(err.violations) == 50
    assert [v.line for v in err.violations] == list(range(2, 52))
    assert [v.path for v in err.violations] == [
        f"/iias-get-response/iia[{i}]" for i in range(1, 51)
    ]
    assert (err.total, err.total_is_exact) == (100, False)


def test_an_invalid_document_seen_wide_early_is_reported_before_a_later_flaw() -> None:
    """Its schema errors are reported as found; the hardened parser does not read on."""
    document = empty_iias(2_000).replace(b"</iias-get-response>", b"<iia></iias-get-response>")
    with pytest.raises(SchemaValidationError):
        validate(document)
    with pytest.raises(MalformedXmlError):
        is_valid(document)


@pytest.mark.parametrize("between", ["\n    ", "\n<!-- <iia/> -->", "\n<?pi <iia/>?>"])
def test_violations_of_a_wide_document_are_placed_whatever_comes_between(between: str) -> None:
    """Placed by counting tags, or (after a comment or PI) by reading the bytes again."""
    document = (ROOT + (between + "<iia/>") * 400 + "\n</iias-get-response>").encode()
    with pytest.raises(SchemaValidationError) as info:
        validate(document, max_violations=5)
    err = info.value
    assert [v.line for v in err.violations] == [2, 3, 4, 5, 6]  # one <iia/> a line
    assert [v.path for v in err.violations] == [f"/iias-get-response/iia[{i}]" for i in range(1, 6)]


def test_violations_of_a_utf16_document_are_placed() -> None:
    document = (ROOT + "\n<iia/>" * 400 + "\n</iias-get-response>").encode("utf-16")
    with pytest.raises(SchemaValidationError) as info:
        validate(document, max_violations=3)
    assert [v.line for v in info.value.violations] == [2, 3, 4]
    assert info.value.violations[2].path == "/iias-get-response/iia[3]"


@pytest.mark.parametrize("copies", [1_001, 20])
def test_a_non_ascii_element_name_survives_the_comment_free_copy(copies: int) -> None:
    """Serialised as ASCII, such a name became character references (fuzzer finding, h16-b)."""
    comments = "<!--c-->" * copies
    document = f'<response xmlns="{ECHO_NS}"><hei-id>x</hei-id>{comments}<αβγ/></response>'
    for given in (document.encode(), etree.fromstring(document.encode())):
        with pytest.raises(SchemaValidationError) as info:
            validate(given)
        assert "αβγ" in info.value.violations[0].message
    assert is_valid(document.encode()) is False


def test_streamable_keeps_non_ascii_element_names() -> None:
    tree = etree.fromstring("<r><αβ>x</αβ></r>".encode()).getroottree()
    assert streamable(tree) == "<r><αβ>x</αβ></r>".encode()
