"""Send one :class:`~.cases.Case` and judge its answer (an ``AssertionError`` says what is off)."""

from __future__ import annotations

from lxml import etree

from ewp_client import validate
from ewp_client.error_response import parse_error_response
from tests.conformance import reference

from .cases import FAKE, Case, cases_of
from .harness import Sent, check_signature, send


def items_of(body: bytes) -> int:
    """How many elements the answer's root holds (what it lists)."""
    return sum(1 for child in etree.fromstring(body) if isinstance(child.tag, str))


def namespace_of(body: bytes) -> str:
    return etree.QName(etree.fromstring(body)).namespace or ""


def check_official(body: bytes) -> None:
    """Validate against the official XSD of the body's namespace (xmlschema, offline)."""
    reference.official_schema(namespace_of(body)).validate(body)


async def run(case: Case) -> Sent:
    return await send(
        case.endpoint.path,
        case.method,
        list(case.params),
        caller=case.caller,
        ask_signed=case.ask_signed,
        content_type=case.content_type,
        body=case.body,
    )


async def known_items(case: Case) -> int:
    """How many items the endpoint's known request lists for the partner (same method)."""
    known = next(c for c in cases_of(case.endpoint) if c.rule == "ok" and c.method == case.method)
    sent = await send(known.endpoint.path, known.method, list(known.params), caller=known.caller)
    assert sent.response.status_code == 200
    return items_of(sent.response.content)


async def judge(case: Case) -> None:
    """Send ``case`` and check its status, body, signature and items."""
    sent = await run(case)
    response = sent.response
    assert response.status_code == case.status, response.text[:500]
    assert response.headers["content-type"].startswith("text/xml")
    validate(response.content)
    check_signature(sent)
    if case.status != 200:
        developer = parse_error_response(response.content).developer
        assert developer, "an error answer must be an error-response with a developer message"
        if case.parameter is not None:
            assert case.parameter in developer
        if case.status == 401:
            assert response.headers["www-authenticate"] == 'Signature realm="EWP"'
            assert "SHA-256" in response.headers["want-digest"]
        return
    if reference.available():
        check_official(response.content)
    if case.items == "some":
        assert items_of(response.content) > 0
    elif case.items == "none":
        assert items_of(response.content) == 0
        assert FAKE.encode() not in response.content
    elif case.items == "same":
        assert items_of(response.content) == await known_items(case)
