"""Validation against the bundled schemas: verdicts, violations and the schema choice."""

from __future__ import annotations

import pytest
from lxml import etree

from ewp_client import (
    MalformedXmlError,
    SchemaValidationError,
    UnknownDocumentError,
    is_valid,
    validate,
)
from ewp_client.namespaces import ECHO_NS, IIAS_V7_GET_NS, SCHEMA_BY_NAMESPACE

ECHO_OK = f"""<?xml version="1.0"?>
<response xmlns="{ECHO_NS}">
  <hei-id>uni.example.org</hei-id>
  <echo>hello</echo>
</response>
""".encode()

# Two violations: an unknown element inside <iia>, and a stray element at the end.
IIA_BAD = f"""<?xml version="1.0"?>
<iias-get-response xmlns="{IIAS_V7_GET_NS}">
  <iia>
    <bogus/>
  </iia>
  <stray/>
</iias-get-response>
""".encode()


def test_valid_document_returns_its_tree() -> None:
    tree = validate(ECHO_OK)
    assert isinstance(tree, etree._ElementTree)
    assert tree.getroot().tag == f"{{{ECHO_NS}}}response"


def test_a_parsed_tree_or_element_is_accepted() -> None:
    root = etree.fromstring(ECHO_OK)
    assert validate(root).getroot() is root
    assert validate(root.getroottree()).getroot() is root


def test_every_violation_is_listed_with_line_path_and_rule() -> None:
    with pytest.raises(SchemaValidationError) as info:
        validate(IIA_BAD)
    err = info.value
    assert err.namespace == IIAS_V7_GET_NS
    assert err.root == "iias-get-response"
    assert len(err.violations) == 2
    first, second = err.violations
    assert first.line == 4  # the line of <bogus/>, the child the rule rejects
    assert first.path == "/iias-get-response/iia[1]/bogus[1]"
    # namespaces shown the way the document writes them, the rule in words
    assert first.message == "<bogus>: not expected here; expected <partner>"
    assert second.path == "/iias-get-response/stray[1]"
    assert second.message == "<stray>: not expected here; expected <iia>"
    assert second.line == 6
    assert (err.total, err.more, err.total_is_exact) == (2, 0, True)


def test_violation_str_is_line_path_message() -> None:
    with pytest.raises(SchemaValidationError) as info:
        validate(IIA_BAD)
    assert str(info.value.violations[0]).startswith("4: /iias-get-response/iia[1]/bogus[1]: ")


def test_unknown_namespace_is_its_own_error() -> None:
    with pytest.raises(UnknownDocumentError) as info:
        validate(b"<response xmlns='urn:not-ewp'/>")
    assert info.value.namespace == "urn:not-ewp"
    assert info.value.root == "response"
    assert not is_valid(b"<response xmlns='urn:not-ewp'/>")


def test_no_namespace_is_unknown() -> None:
    with pytest.raises(UnknownDocumentError) as info:
        validate(b"<response/>")
    assert info.value.namespace is None


def test_undeclared_root_in_a_known_namespace_is_invalid() -> None:
    with pytest.raises(SchemaValidationError) as info:
        validate(f"<not-a-root xmlns='{ECHO_NS}'/>".encode())
    assert info.value.violations


def test_explicit_schema_overrides_the_namespace_choice() -> None:
    with pytest.raises(SchemaValidationError):
        validate(ECHO_OK, schema=SCHEMA_BY_NAMESPACE[IIAS_V7_GET_NS])


def test_malformed_bytes_raise_malformed_error() -> None:
    with pytest.raises(MalformedXmlError):
        validate(b"<response")
