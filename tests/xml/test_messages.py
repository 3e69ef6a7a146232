"""libxml2's schema messages as sentences: names as the document writes them, values cut."""

from __future__ import annotations

from ewp_client.namespaces import ADDRESS_NS
from ewp_client.xml.messages import LONGEST_MESSAGE, Rewriter, readable

NS = "urn:example:ns"
PREFIXES: dict[str, str | None] = {NS: None, "urn:other": "o"}


def test_names_take_the_document_s_prefixes() -> None:
    message = (
        f"Element '{{{NS}}}a': This element is not expected. "
        f"Expected is one of ( {{{NS}}}b, {{urn:other}}c )."
    )
    assert readable(message, PREFIXES) == "<a>: not expected here; expected one of <b>, <o:c>"


def test_a_value_of_the_wrong_type_names_the_type() -> None:
    message = (
        f"Element '{{{NS}}}start': 'June 2019' is not a valid value of the atomic type "
        "'xs:gYearMonth'."
    )
    assert readable(message, PREFIXES) == "<start>: 'June 2019' is not a valid xs:gYearMonth"


def test_an_attribute_message_names_element_and_attribute() -> None:
    message = f"Element '{{{NS}}}a', attribute 'x': The attribute 'x' is not allowed."
    assert readable(message, PREFIXES) == "<a>: attribute 'x' is not allowed"


def test_long_values_are_cut_and_counted() -> None:
    value = "y" * 5_000
    message = (
        f"Element '{{{NS}}}a': '{value}' is not a valid value of the atomic type 'xs:boolean'."
    )
    assert readable(message, PREFIXES) == (
        f"<a>: {'y' * 60!r}... (5,000 characters) is not a valid xs:boolean"
    )


def test_a_value_libxml2_cut_short_is_cut_too() -> None:
    message = f"Element '{{{NS}}}a': [facet 'pattern'] The value '{'&' * 9_000}"
    text = readable(message, PREFIXES)
    assert text == f"<a>: The value {'&' * 60!r}... (9,000 characters)"


def test_an_unknown_message_keeps_its_words_within_the_longest_shown() -> None:
    message = f"Element '{{{NS}}}a': Something new happened to {{{NS}}}b. " + "word " * 500
    text = readable(message, PREFIXES)
    assert text.startswith("<a>: Something new happened to b.")
    assert len(text) < LONGEST_MESSAGE + 40


def test_a_namespace_the_document_does_not_declare_is_named_by_its_schema() -> None:
    message = (
        f"Element '{{{NS}}}a': This element is not expected. "
        f"Expected is ( {{{ADDRESS_NS}}}street-address )."
    )
    assert (
        readable(message, PREFIXES) == "<a>: not expected here; expected <address:street-address>"
    )


def test_a_rewriter_words_each_message_as_readable_does() -> None:
    """Messages differing only in an attribute's name share one rewriting, not its result."""
    ns = "urn:x"
    long = "L" * 70
    messages = [
        *(
            f"Element '{{{ns}}}iia', attribute 'a{i}': The attribute 'a{i}' is not allowed."
            for i in range(3)
        ),
        "Element 'id', attribute 'id': The attribute 'id' is not allowed.",
        "Element 'x', attribute 'id': The attribute 'id' is not allowed.",
        f"Element '{{{ns}}}iia', attribute 'when': 'no' is not a valid value of the atomic "
        "type 'xs:date'.",
        f"Element '{{{ns}}}iia', attribute '{{urn:o}}z': The attribute '{{urn:o}}z' is not "
        "allowed.",
        f"Element '{{{ns}}}iia', attribute '{long}': The attribute '{long}' is not allowed.",
        f"Element '{{{ns}}}iia': Missing child element(s). Expected is ( {{{ns}}}partner ).",
    ]
    prefixes: dict[str, str | None] = {ns: None, "urn:o": "o"}
    rewrite = Rewriter(prefixes)
    assert [rewrite(m) for m in messages] == [readable(m, prefixes) for m in messages]
    assert rewrite(messages[1]) == "<iia>: attribute 'a1' is not allowed"
    assert rewrite(messages[3]) == "<id>: attribute 'id' is not allowed"
