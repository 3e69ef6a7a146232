"""The client's send path against partners that apply the protocol's rules.

A correct partner is the mock partner app in process
(tests/support/mock_partner.py), answering Echo; partners that fail, answer
errors, leave answers unsigned or sign with an unpublished key are the broken
partner of tests/support/network.py, which verifies our HTTP Signature with
the library's verifier and signs its answers. These tests check what a caller
sees: the validated answer, the typed errors and their evidence, and which
calls are retried.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qsl

import httpx
import pytest

from ewp_client.client import CallKind, EwpCall, EwpClient, RetryPolicy
from ewp_client.error_response import render_error_response
from ewp_client.errors import (
    BadRequest,
    ConfigError,
    EditConflict,
    MalformedErrorResponse,
    NoEndpointError,
    NotImplementedByPartner,
    PartnerServerError,
    SchemaValidationError,
    TransportError,
    UnknownKeyError,
)
from ewp_client.namespaces import ECHO_API, ECHO_NS, IIAS_API, OMOBILITY_LAS_API
from ewp_client.security import VERIFIED
from tests.support.mock_partner import MockPartner, mock_partner
from tests.support.network import (
    PARTNER,
    PARTNER_BASE,
    US,
    AsyncSleeps,
    Handler,
    Network,
    Sleeps,
    failure,
    key,
    make_network,
)


def echo_body(*echo: str) -> bytes:
    items = "".join(f"<echo>{e}</echo>" for e in echo)
    return (f"<response xmlns='{ECHO_NS}'><hei-id>{PARTNER}</hei-id>{items}</response>").encode()


def echo_handler(request: httpx.Request) -> httpx.Response:
    if request.method == "POST":
        params = parse_qsl(request.content.decode())
    else:
        params = list(request.url.params.multi_items())
    return httpx.Response(
        200,
        content=echo_body(*(v for k, v in params if k == "echo")),
        headers={"Content-Type": "text/xml"},
    )


@pytest.fixture
def net(tmp_path: Path) -> Network:
    return make_network(tmp_path)


@pytest.fixture
def mock(tmp_path: Path) -> Iterator[MockPartner]:
    partner = mock_partner(tmp_path)
    yield partner
    partner.close()


def client(net: Network, handler: Handler, *, sign: bool = True, **kw: object) -> EwpClient:
    return net.client(handler, sign=sign, **kw)


ECHO = EwpCall(api=ECHO_API, hei_id=PARTNER, endpoint="url", params=(("echo", "a"), ("echo", "b")))


def test_get_call_is_signed_verified_and_validated(mock: MockPartner) -> None:
    with mock.client() as c:
        answer = c.call(ECHO)
    assert answer.url == f"{PARTNER_BASE}/echo"
    assert [e.text for e in answer.tree.getroot()] == [US, "a", "b"]
    sent = mock.requests[0]
    assert sent.method == "GET"
    assert sent.url.query == b"echo=a&echo=b"
    assert sent.headers["Authorization"].startswith("Signature ")
    assert f'keyId="{mock.our_key.key_id}"' in sent.headers["Authorization"]
    assert sent.headers["Accept-Signature"] == "rsa-sha256"
    assert answer.request_id == sent.headers["X-Request-Id"]
    assert answer.verified is not None
    assert answer.verified.key_id == mock.server_key_id


def test_post_sends_form_encoded_parameters(mock: MockPartner) -> None:
    call = EwpCall(
        api=ECHO_API, hei_id=PARTNER, endpoint="url", method="POST", params=(("echo", "x y"),)
    )
    with mock.client() as c:
        answer = c.call(call)
    sent = mock.requests[0]
    assert sent.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert sent.content == b"echo=x+y"
    assert answer.tree.getroot()[1].text == "x y"


def test_response_signature_is_checked_and_recorded(mock: MockPartner) -> None:
    with (
        mock.http() as http,
        EwpClient(mock.registry(), key=mock.our_key, http=http) as c,
    ):
        request = c.build_request(ECHO, f"{PARTNER_BASE}/echo")
        response = http.send(request, auth=c.auth)
    assert response.extensions[VERIFIED].key_id == mock.server_key_id


def test_unsigned_response_is_refused_when_verification_is_on(net: Network) -> None:
    from ewp_client.errors import UnsignedResponseError

    with client(net, echo_handler, sign=False) as c, pytest.raises(UnsignedResponseError):
        c.call(ECHO)


def test_response_signed_by_a_key_not_in_the_registry_is_refused(net: Network) -> None:
    net.partner_key = key(3)  # the partner signs with a key the Registry does not publish
    with client(net, echo_handler) as c, pytest.raises(UnknownKeyError) as info:
        c.call(ECHO)
    assert info.value.key_id == key(3).key_id


def test_error_response_becomes_typed_error_with_messages(net: Network) -> None:
    def conflict(request: httpx.Request) -> httpx.Response:
        return httpx.Response(409, content=render_error_response("proposal is stale", "Reload"))

    with client(net, conflict) as c, pytest.raises(EditConflict) as info:
        c.call(ECHO)
    assert info.value.status == 409
    assert info.value.developer_message == "proposal is stale"
    assert info.value.user_message == "Reload"
    assert len(net.requests) == 1


def test_bad_request_with_a_non_xml_body_still_types_the_error(net: Network) -> None:
    with (
        client(net, lambda r: httpx.Response(400, content=b"oops")) as c,
        pytest.raises(BadRequest) as info,
        pytest.warns(MalformedErrorResponse) as warned,
    ):
        c.call(ECHO)
    assert info.value.developer_message is None
    assert "oops" in str(info.value)
    assert [(w.message.defect, w.message.excerpt) for w in warned] == [("not-xml", "oops")]


def test_reads_are_retried_on_5xx_with_backoff(net: Network) -> None:
    answers = iter([503, 500, 200])

    def flaky(request: httpx.Request) -> httpx.Response:
        status = next(answers)
        return echo_handler(request) if status == 200 else failure(status)

    sleeps = Sleeps()
    with client(net, flaky, sleep=sleeps, retry=RetryPolicy(attempts=4, backoff=0.5)) as c:
        c.call(ECHO)
    assert sleeps == [0.5, 1.0]
    assert len(net.requests) == 3


def test_reads_give_up_after_the_last_attempt(net: Network) -> None:
    sleeps = Sleeps()
    with (
        client(
            net,
            lambda r: failure(502),
            sleep=sleeps,
            retry=RetryPolicy(attempts=3, backoff=1),
        ) as c,
        pytest.raises(PartnerServerError) as info,
    ):
        c.call(ECHO)
    assert info.value.status == 502
    assert len(net.requests) == 3
    assert sleeps == [1.0, 2.0]


def test_an_empty_5xx_is_retried_and_warned_as_malformed(net: Network) -> None:
    answers = iter([503, 200])

    def gateway(request: httpx.Request) -> httpx.Response:
        return echo_handler(request) if next(answers) == 200 else httpx.Response(503)

    with client(net, gateway) as c, pytest.warns(MalformedErrorResponse) as warned:
        c.call(ECHO)
    assert [(w.message.status, w.message.defect) for w in warned] == [(503, "empty")]
    assert len(net.requests) == 2


def test_501_is_not_retried(net: Network) -> None:
    with (
        client(net, lambda r: failure(501), sleep=Sleeps()) as c,
        pytest.raises(NotImplementedByPartner),
    ):
        c.call(ECHO)
    assert len(net.requests) == 1


def test_updates_are_never_retried(net: Network) -> None:
    update = EwpCall(
        api=OMOBILITY_LAS_API,
        hei_id=PARTNER,
        endpoint="update-url",
        method="POST",
        body=b"<x/>",
        kind=CallKind.UPDATE,
    )
    with (
        client(net, lambda r: failure(503), sleep=Sleeps()) as c,
        pytest.raises(PartnerServerError),
    ):
        c.call(update)
    assert len(net.requests) == 1
    assert net.requests[0].headers["Content-Type"].startswith("text/xml")


def test_notifications_are_retried_until_200(net: Network) -> None:
    answers = iter([500, 500, 500, 200])

    def cnr(request: httpx.Request) -> httpx.Response:
        return echo_handler(request) if next(answers) == 200 else failure(500)

    call = EwpCall(
        api=ECHO_API, hei_id=PARTNER, endpoint="url", method="POST", kind=CallKind.NOTIFY
    )
    with client(net, cnr, sleep=Sleeps(), retry=RetryPolicy(attempts=5)) as c:
        c.call(call)
    assert len(net.requests) == 4


def test_transport_failures_become_transport_error(net: Network) -> None:
    def down(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    sleeps = Sleeps()
    with (
        client(net, down, sleep=sleeps, retry=RetryPolicy(attempts=2)) as c,
        pytest.raises(TransportError, match="ConnectError"),
    ):
        c.call(ECHO)
    assert sleeps == [0.5]


def test_invalid_partner_xml_is_a_schema_error(net: Network) -> None:
    bad = f"<response xmlns='{ECHO_NS}'><echo>x</echo><hei-id>{PARTNER}</hei-id></response>"
    with (
        client(net, lambda r: httpx.Response(200, content=bad.encode())) as c,
        pytest.raises(SchemaValidationError),
    ):
        c.call(ECHO)


def test_unknown_hei_has_no_endpoint(mock: MockPartner) -> None:
    call = EwpCall(api=IIAS_API, hei_id="nobody.example.org", endpoint="get-url")
    with mock.client() as c, pytest.raises(NoEndpointError) as info:
        c.call(call)
    assert info.value.hei_id == "nobody.example.org"
    assert mock.requests == []


def test_missing_endpoint_element_is_no_endpoint(mock: MockPartner) -> None:
    call = EwpCall(api=ECHO_API, hei_id=PARTNER, endpoint="get-url")
    with mock.client() as c, pytest.raises(NoEndpointError, match="get-url"):
        c.call(call)
    assert mock.requests == []


@pytest.mark.parametrize(
    "kwargs",
    [
        {"method": "PUT"},
        {"method": "GET", "body": b"<x/>"},
        {"method": "POST", "body": b"<x/>", "params": (("a", "b"),)},
    ],
)
def test_malformed_calls_are_config_errors(kwargs: dict[str, object]) -> None:
    with pytest.raises(ConfigError):
        EwpCall(api=ECHO_API, hei_id=PARTNER, endpoint="url", **kwargs)  # type: ignore[arg-type]


def test_batches_follow_the_partners_max_ids() -> None:
    assert EwpClient.batches(["1", "2", "3", "4", "5"], 2) == [["1", "2"], ["3", "4"], ["5"]]
    assert EwpClient.batches([], 3) == []


async def test_async_client_signs_verifies_and_retries(net: Network) -> None:
    answers = iter([503, 200])

    def flaky(request: httpx.Request) -> httpx.Response:
        return echo_handler(request) if next(answers) == 200 else failure(503)

    sleeps = AsyncSleeps()
    async with net.async_client(flaky, sleep=sleeps) as c:
        answer = await c.call(ECHO)
    assert [e.text for e in answer.tree.getroot()[1:]] == ["a", "b"]
    assert sleeps == [0.5]


def test_retry_logs_name_no_partner_text(net: Network, caplog: pytest.LogCaptureFixture) -> None:
    answers = iter([503, 200])

    def flaky(request: httpx.Request) -> httpx.Response:
        if next(answers) == 200:
            return echo_handler(request)
        return httpx.Response(503, content=render_error_response("student Jan Kowalski failed"))

    caplog.set_level("INFO", logger="ewp_client")
    with client(net, flaky, sleep=Sleeps()) as c:
        c.call(ECHO)
    assert "503" in caplog.text
    assert "Kowalski" not in caplog.text
