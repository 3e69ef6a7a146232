"""The ``httpsig-*`` rows: each signed answer rewritten as the catalogue describes, and the
clean answer, through :class:`~ewp_client.client.EwpClient`."""

from __future__ import annotations

import gzip

import httpx
import pytest

from ewp_client.error_response import render_error_response
from ewp_client.errors import (
    BadRequest,
    ClockSkewError,
    DateMayBeRewritten,
    DateRewritten,
    DigestComputedBeforeEncoding,
    DigestError,
    DigestMismatch,
    InvalidDateHeader,
    ResponseBindingError,
    ResponseCorrelationError,
    SignatureMismatchError,
    UnknownKeyError,
    UnknownSigningKey,
    UnsignedResponseError,
)
from ewp_client.security.dates import format_http_date
from ewp_client.security.digest import sha256_base64
from tests.client.test_client_core import ECHO, echo_handler
from tests.known_issues.support import (
    caught,
    client,
    no_ewp_warnings,
    response,
    sign_covering,
    with_header,
)
from tests.support.network import Network, key


def _in_echo(net: Network, rewrite=None, **kw) -> None:  # type: ignore[no-untyped-def]
    with client(net, echo_handler, rewrite, **kw) as c:
        c.call(ECHO)


def test_a_clean_signed_answer_raises_and_warns_nothing(net: Network) -> None:
    with no_ewp_warnings(), client(net, echo_handler) as c:
        assert c.call(ECHO).verified is not None


def test_httpsig_date_bad_format(net: Network) -> None:
    cest = "Sat, 03 Jun 2023 04:08:54 CEST"
    with pytest.raises(InvalidDateHeader) as info:
        _in_echo(net, lambda req, ans: with_header(ans, "Original-Date", cest))
    error = info.value
    assert (error.known_issue, error.header, error.value) == (
        "httpsig-date-bad-format",
        "Original-Date",
        cest,
    )


def test_httpsig_clock_skew(net: Network) -> None:
    def seven_minutes_behind(request: httpx.Request, answer: httpx.Response) -> httpx.Response:
        stamped = with_header(answer, "Date", format_http_date(_now() - 420))
        return sign_covering(net.partner_key, request, stamped, _covered("date"))

    with pytest.raises(ClockSkewError) as info:
        _in_echo(net, seven_minutes_behind)
    error = info.value
    assert error.known_issue == "httpsig-clock-skew"
    assert error.header == "Date"
    assert -430 < error.skew < -410
    assert error.limit == 300


def test_httpsig_digest_computed_before_gzip(net: Network) -> None:
    def gzipped_after_signing(request: httpx.Request, answer: httpx.Response) -> httpx.Response:
        headers = httpx.Headers(answer.headers)
        headers["Content-Encoding"] = "gzip"
        return response(200, headers, gzip.compress(answer.content))

    plain: list[bytes] = []

    def keep(request: httpx.Request, answer: httpx.Response) -> httpx.Response:
        plain.append(answer.content)
        return gzipped_after_signing(request, answer)

    with pytest.raises(DigestComputedBeforeEncoding) as info:
        _in_echo(net, keep)
    error = info.value
    assert isinstance(error, DigestMismatch)
    assert isinstance(error, DigestError)
    assert error.known_issue == "httpsig-digest-mismatch"
    assert error.reason == "computed before Content-Encoding"
    assert error.declared == error.decoded_digest == sha256_base64(plain[0])
    assert error.raw_digest == error.computed != error.declared
    assert error.content_encoding == "gzip"


def test_httpsig_digest_mismatch_of_a_body_changed_after_signing(net: Network) -> None:
    def reserialised(request: httpx.Request, answer: httpx.Response) -> httpx.Response:
        return response(200, answer.headers, answer.content + b"\n")

    with pytest.raises(DigestMismatch) as info:
        _in_echo(net, reserialised)
    error = info.value
    assert type(error) is DigestMismatch
    assert error.known_issue == "httpsig-digest-mismatch"
    assert error.declared != error.computed
    assert error.content_encoding is None


def test_httpsig_date_rewritten_by_proxy_after_signing(net: Network) -> None:
    signed_date = format_http_date(_now())

    def proxy(request: httpx.Request, answer: httpx.Response) -> httpx.Response:
        stamped = with_header(answer, "Date", signed_date)
        del stamped.headers["Original-Date"]
        signed = sign_covering(net.partner_key, request, stamped, _covered("date"))
        return with_header(signed, "Date", format_http_date(_now() + 1))

    with pytest.raises(DateMayBeRewritten) as info:
        _in_echo(net, proxy)
    error = info.value
    assert isinstance(error, SignatureMismatchError)
    assert error.known_issue == "httpsig-date-rewritten-by-proxy"
    assert error.date is not None
    assert error.date != signed_date
    assert "Original-Date" in error.hint


def test_httpsig_date_rewritten_while_original_date_is_signed_is_a_warning(net: Network) -> None:
    def proxy(request: httpx.Request, answer: httpx.Response) -> httpx.Response:
        return with_header(answer, "Date", format_http_date(_now() + 60))

    with pytest.warns(DateRewritten) as records:
        _in_echo(net, proxy)
    (warning,) = caught(records, DateRewritten)
    assert warning.known_issue == "httpsig-date-rewritten-by-proxy"
    assert warning.date != warning.original_date


def test_httpsig_response_unsigned(net: Network) -> None:
    with pytest.raises(UnsignedResponseError) as info:
        _in_echo(net, sign=False)
    assert info.value.known_issue == "httpsig-response-unsigned"
    assert info.value.response_status == 200


def test_an_unsigned_error_answer_is_the_http_error_noting_it_was_unsigned(net: Network) -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        return httpx.Response(400, content=render_error_response("no such echo"))

    with no_ewp_warnings(), pytest.raises(BadRequest) as info:
        _in_echo_with(net, refuse, sign=False)
    assert info.value.signed is False
    assert "unsigned" in str(info.value)
    with no_ewp_warnings(), pytest.raises(BadRequest) as signed:
        _in_echo_with(net, refuse)
    assert signed.value.signed is True


def test_httpsig_correlation_headers(net: Network) -> None:
    other = "11111111-2222-4333-8444-555555555555"
    with pytest.raises(ResponseCorrelationError) as info:
        _in_echo(net, lambda req, ans: with_header(ans, "X-Request-Id", other))
    error = info.value
    assert isinstance(error, ResponseBindingError)
    assert error.known_issue == "httpsig-correlation-headers"
    assert (error.header, error.got) == ("X-Request-Id", other)
    assert error.expected == net.requests[-1].headers["X-Request-Id"]


def test_httpsig_keyid_unknown_after_a_catalogue_refresh(net: Network) -> None:
    def stranger(request: httpx.Request, answer: httpx.Response) -> httpx.Response:
        return sign_covering(key(7), request, answer, _covered("original-date"))

    with pytest.raises(UnknownSigningKey) as info:
        _in_echo(net, stranger)
    error = info.value
    assert isinstance(error, UnknownKeyError)
    assert error.known_issue == "httpsig-keyid-unknown"
    assert (error.key_id, error.catalogue_refreshed, error.hint) == (key(7).key_id, True, None)


def test_httpsig_keyid_in_upper_case_gets_a_hint(net: Network) -> None:
    def upper(request: httpx.Request, answer: httpx.Response) -> httpx.Response:
        value = answer.headers["Signature"].replace(
            net.partner_key.key_id, net.partner_key.key_id.upper()
        )
        return with_header(answer, "Signature", value)

    with pytest.raises(UnknownSigningKey) as info:
        _in_echo(net, upper)
    assert info.value.key_id == net.partner_key.key_id.upper()
    assert info.value.hint is not None
    assert "lower-case" in info.value.hint


# ---------------------------------------------------------------------- helpers


def _in_echo_with(net: Network, handler, **kw) -> None:  # type: ignore[no-untyped-def]
    with client(net, handler, **kw) as c:
        c.call(ECHO)


def _covered(date: str) -> tuple[str, ...]:
    return (date, "digest", "x-request-id", "x-request-signature")


def _now() -> float:
    import time

    return time.time()
