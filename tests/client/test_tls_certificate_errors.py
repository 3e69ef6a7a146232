"""A refused TLS certificate is named (:class:`TlsCertificateError`), other transport failures
are not; the four common defects are proven over real TLS with the blocking clients in
tests/known_issues/e2e, here once with the async client."""

from __future__ import annotations

import ssl
from pathlib import Path

import httpx
import pytest

from ewp_client.client import AsyncEchoClient, AsyncEwpClient
from ewp_client.client.tls import certificate_error, certificate_failure
from ewp_client.errors import TlsCertificateError, TransportError
from ewp_client.registry import AsyncRegistryClient
from ewp_mock.data import UNI_A
from ewp_mock.testing import Partner

URL = "https://partner.example/ewp/echo?echo=1"


def refused(code: int, message: str) -> httpx.ConnectError:
    """A ConnectError as httpx raises it: the ssl error two causes down."""
    failure = ssl.SSLCertVerificationError(1, f"certificate verify failed: {message}")
    failure.verify_code = code
    failure.verify_message = message
    try:
        try:
            raise failure
        except ssl.SSLError as exc:
            raise OSError("handshake") from exc
    except OSError as exc:
        error = httpx.ConnectError(str(exc))
        error.__cause__ = exc
        return error


@pytest.mark.parametrize(
    ("code", "message", "problem"),
    [
        (10, "certificate has expired", "expired"),
        (9, "certificate is not yet valid", "not-yet-valid"),
        (18, "self-signed certificate", "self-signed"),
        (19, "self-signed certificate in certificate chain", "untrusted-root"),
        (20, "unable to get local issuer certificate", "missing-intermediate"),
        (62, "Hostname mismatch", "wrong-host"),
        (26, "unsupported certificate purpose", "untrusted"),
    ],
)
def test_the_defect_is_named(code: int, message: str, problem: str) -> None:
    error = certificate_error("echo at x", URL, refused(code, message))
    assert isinstance(error, TlsCertificateError)
    assert isinstance(error, TransportError)  # existing except clauses still catch it
    assert (error.problem, error.verify_code, error.verify_message) == (problem, code, message)
    assert (error.host, error.url) == ("partner.example", "https://partner.example/ewp/echo")
    assert f"({problem})" in str(error)
    assert message in str(error)


def test_other_transport_failures_are_not_certificate_errors() -> None:
    reset = httpx.ConnectError("connection refused")
    assert certificate_failure(reset) is None
    assert certificate_error("echo at x", URL, reset) is None


async def test_the_async_client_names_the_defect_without_trying_again(tmp_path: Path) -> None:
    waits: list[float] = []

    async def sleep(seconds: float) -> None:
        waits.append(seconds)

    with Partner.served(scenarios=["tls-expired"], data=None) as partner:
        assert partner.ca_file is not None
        catalogue = tmp_path / "catalogue.xml"  # the Registry is another host: its TLS is fine
        catalogue.write_bytes(partner.catalogue_xml)
        trust = ssl.create_default_context(cafile=str(partner.ca_file))
        async with (
            httpx.AsyncClient(verify=trust) as http,
            AsyncEwpClient(
                AsyncRegistryClient(catalogue),
                key=partner.key,
                http=http,
                hei_ids=partner.admitted,
                sleep=sleep,
            ) as client,
        ):
            with pytest.raises(TlsCertificateError) as info:
                await AsyncEchoClient(client).echo(UNI_A, ["x"])
    assert (info.value.problem, info.value.verify_code) == ("expired", 10)
    assert waits == []
