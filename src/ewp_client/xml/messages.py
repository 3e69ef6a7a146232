"""libxml2's schema messages, rewritten the way a person would write them.

libxml2 names every element and type in Clark notation (``{namespace}name``)
and words its messages for its own developers (``Element '{urn:x}iia':
Missing child element(s). Expected is ( {urn:x}partner ).``). A violation
shows instead the names as the document writes them (its own prefixes, none
for its default namespace) and a sentence about the element:
``<iia>: a required child element is missing; expected <partner>``. A
namespace the document does not declare is named by its bundled schema's key
(``<address:street-address>``).

Messages of a shape not recognised here keep libxml2's wording, with the names
shortened the same way, so nothing libxml2 says is ever lost.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Final

from ..namespaces import SCHEMA_BY_NAMESPACE

_CLARK: Final = re.compile(r"\{([^}]*)\}([\w.*-]+)")
_SUBJECT: Final = re.compile(
    r"^Element '(?P<element>[^']*)'(?:, attribute '(?P<attribute>[^']*)')?: (?P<rest>.*)$", re.S
)


def element_named(message: str) -> str | None:
    """The element a libxml2 schema message is about, as libxml2 wrote it (Clark notation)."""
    m = _SUBJECT.match(message)
    return m["element"] if m else None


#: Values longer than this are shown cut, with their length: a partner's
#: megabyte of text has no place in a message.
SHOWN_VALUE: Final = 60
#: A long value quoted, or left unclosed where libxml2 cut its own message short.
_LONG_QUOTED: Final = re.compile(rf"'([^']{{{SHOWN_VALUE + 1},}})(?:'|$)")
#: The longest message shown, whatever libxml2 wrote.
LONGEST_MESSAGE: Final = 500


def _value(value: str) -> str:
    """``value`` quoted, cut to :data:`SHOWN_VALUE` characters when longer."""
    if len(value) <= SHOWN_VALUE:
        return repr(value)
    return f"{value[:SHOWN_VALUE]!r}... ({len(value):,} characters)"


def about_an_attribute(message: str) -> bool:
    """Whether a libxml2 schema message is about an attribute (raised with its start tag)."""
    m = _SUBJECT.match(message)
    return m is not None and m["attribute"] is not None


def _names(listed: str, short: Callable[[str], str]) -> str:
    names = [name.strip() for name in listed.split(",") if name.strip()]
    return ", ".join(f"<{short(name)}>" for name in names)


def _expected(listed: str, short: Callable[[str], str]) -> str:
    names = _names(listed, short)
    return f"expected one of {names}" if "," in names else f"expected {names}"


_FACET_LENGTH: Final = re.compile(
    r"The value has a length of '(\d+)'; this (underruns|exceeds) the allowed "
    r"(minimum|maximum) length of '(\d+)'\."
)

Rule = tuple["re.Pattern[str]", Callable[["re.Match[str]", Callable[[str], str]], str]]

_RULES: Final[tuple[Rule, ...]] = (
    (
        re.compile(r"This element is not expected\. Expected is (?:one of )?\( (.*) \)\.$", re.S),
        lambda m, s: f"not expected here; {_expected(m[1], s)}",
    ),
    (re.compile(r"This element is not expected\.$"), lambda m, s: "not expected here"),
    (
        re.compile(r"Missing child element\(s\)\. Expected is (?:one of )?\( (.*) \)\.$", re.S),
        lambda m, s: f"a required child element is missing; {_expected(m[1], s)}",
    ),
    (
        re.compile(r"The attribute '([^']*)' is not allowed\.$"),
        lambda m, s: f"attribute {s(m[1])!r} is not allowed",
    ),
    (
        re.compile(r"The attribute '([^']*)' is required but missing\.$"),
        lambda m, s: f"required attribute {s(m[1])!r} is missing",
    ),
    (
        re.compile(
            r"'(.*)' is not a valid value of the (?:atomic|list|union) type '([^']*)'\.$", re.S
        ),
        lambda m, s: f"{_value(m[1])} is not a valid {s(m[2])}",
    ),
    (
        re.compile(r"'(.*)' is not a valid value of the local (?:atomic|list|union) type\.$", re.S),
        lambda m, s: f"{_value(m[1])} is not a valid value here",
    ),
    (
        re.compile(
            r"\[facet 'enumeration'\] The value '(.*)' is not an element of the set \{(.*)\}\.$",
            re.S,
        ),
        lambda m, s: f"{_value(m[1])} is not one of {m[2]}",
    ),
    (
        re.compile(
            r"\[facet 'pattern'\] The value '(.*)' is not accepted by the pattern '(.*)'\.$", re.S
        ),
        lambda m, s: f"{_value(m[1])} does not match the pattern {m[2]!r}",
    ),
    (
        re.compile(r"\[facet '\w+'\] " + _FACET_LENGTH.pattern + "$"),
        lambda m, s: (
            f"the value is {m[1]} characters long, "
            f"{'shorter' if m[2] == 'underruns' else 'longer'} than the {m[3]} of {m[4]}"
        ),
    ),
    (re.compile(r"\[facet '\w+'\] (.*)$", re.S), lambda m, s: m[1].rstrip(".")),
    (
        re.compile(
            r"Character content other than whitespace is not allowed because the content "
            r"type is 'element-only'\.$"
        ),
        lambda m, s: "text is not allowed here, only child elements",
    ),
    (
        re.compile(
            r"Element content is not allowed, because the content type is a simple type "
            r"definition\.$"
        ),
        lambda m, s: "child elements are not allowed here, only text",
    ),
    (
        re.compile(r"No matching global declaration available for the validation root\.$"),
        lambda m, s: "not a document root this schema declares",
    ),
    (
        re.compile(
            r"The QName value '([^']*)' of the xsi:type attribute does not resolve to a "
            r"type definition\.$"
        ),
        lambda m, s: f"xsi:type {_value(m[1])} names no type of the schema",
    ),
    (
        re.compile(
            r"The QName value '([^']*)' has no corresponding namespace declaration in scope\.$"
        ),
        lambda m, s: f"the prefix of {_value(m[1])} is not declared",
    ),
)


def readable(message: str, prefixes: Mapping[str, str | None]) -> str:
    """``message`` (one libxml2 schema error) as one readable line.

    ``prefixes`` maps each namespace of the document to the prefix it is
    written with there (``None`` for the default namespace). Long values are
    cut (:data:`SHOWN_VALUE`), and so is the whole (:data:`LONGEST_MESSAGE`).
    """
    return _cut(_sentence(message, prefixes))


def _cut(text: str) -> str:
    if len(text) > LONGEST_MESSAGE:
        text = f"{text[:LONGEST_MESSAGE]}... ({len(text):,} characters)"
    return text


#: Stands for an attribute's name while a message is rewritten (see :class:`Rewriter`).
_PLACEHOLDER: Final = "ewp-attribute-name-placeholder"


class Rewriter:
    """:func:`readable` for the messages about one document, repeated work done once.

    A message seen before is not rewritten again, nor is one differing from
    one seen before only in the (plain) name of the attribute it is about: an
    attribute flood names a new attribute in each.
    """

    def __init__(self, prefixes: Mapping[str, str | None]) -> None:
        self.prefixes = prefixes
        self._done: dict[str, str] = {}
        self._templates: dict[str, str] = {}

    def __call__(self, message: str) -> str:
        text = self._done.get(message)
        if text is None:
            text = self._done[message] = self._rewrite(message)
        return text

    def _rewrite(self, message: str) -> str:
        subject = _SUBJECT.match(message)
        attribute = subject["attribute"] if subject is not None else None
        if (
            not attribute
            or len(attribute) > SHOWN_VALUE
            or not _PLAIN_NAME.fullmatch(attribute)
            or _PLACEHOLDER in message
        ):
            return readable(message, self.prefixes)
        template = message.replace(f"'{attribute}'", f"'{_PLACEHOLDER}'")
        sentence = self._templates.get(template)
        if sentence is None:
            sentence = self._templates[template] = _sentence(template, self.prefixes)
        return _cut(sentence.replace(_PLACEHOLDER, attribute))


_PLAIN_NAME: Final = re.compile(r"[\w.-]+")


def _sentence(message: str, prefixes: Mapping[str, str | None]) -> str:
    def short(name: str) -> str:
        m = _CLARK.fullmatch(name)
        if m is None:
            return name
        if m[1] not in prefixes:  # not declared in the document: the schema's key says which
            info = SCHEMA_BY_NAMESPACE.get(m[1])
            return f"{info.key}:{m[2]}" if info is not None else name
        prefix = prefixes[m[1]]
        return m[2] if prefix is None else f"{prefix}:{m[2]}"

    def shorten_all(text: str) -> str:
        return _CLARK.sub(lambda m: short(m[0]), text)

    text = " ".join(message.split())
    subject = _SUBJECT.match(text)
    if subject is None:
        return _LONG_QUOTED.sub(lambda m: _value(m[1]), shorten_all(text).rstrip("."))
    rest = subject["rest"]
    for pattern, render in _RULES:
        m = pattern.match(rest)
        if m is not None:
            rest = render(m, short)
            break
    else:
        rest = shorten_all(rest).rstrip(".")
    rest = _LONG_QUOTED.sub(lambda m: _value(m[1]), rest)
    where = f"<{short(subject['element'])}>"
    if subject["attribute"] and subject["attribute"] not in rest:
        where += f" attribute {short(subject['attribute'])!r}"
    return f"{where}: {rest}"
