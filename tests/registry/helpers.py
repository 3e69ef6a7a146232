"""Test data and a real Registry server on 127.0.0.1 for the registry tests.

Every catalogue here is built by our own builder from keys generated at test
time; nothing is copied from the official material.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler

from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from ewp_client.namespaces import (
    CLIAUTH_HTTPSIG_NS,
    CLIAUTH_NONE_NS,
    ECHO_ENTRY_NS,
    IIAS_V6_ENTRY_NS,
    IIAS_V7_ENTRY_NS,
    SRVAUTH_HTTPSIG_NS,
    SRVAUTH_TLSCERT_NS,
)
from ewp_client.registry import (
    ApiEntry,
    AuthMethod,
    Catalogue,
    Hei,
    Host,
    HttpSecurity,
    LocalizedName,
    OtherHeiId,
    build_catalogue,
    key_fingerprint,
    render_catalogue,
)
from tests.support.loopback import loopback_server

START = 1_700_000_000.0


class FakeClock:
    """Wall-clock seconds that move only when the test says so."""

    def __init__(self, start: float = START) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@functools.cache
def public_key(n: int) -> bytes:
    """The DER SubjectPublicKeyInfo of test key number ``n`` (generated once per session)."""
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return private.public_key().public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo)


def key_id(n: int) -> str:
    return key_fingerprint(public_key(n))


HTTPSIG = HttpSecurity(
    client_auth=(AuthMethod(namespace=CLIAUTH_HTTPSIG_NS, name="httpsig"),),
    server_auth=(
        AuthMethod(namespace=SRVAUTH_TLSCERT_NS, name="tlscert"),
        AuthMethod(namespace=SRVAUTH_HTTPSIG_NS, name="httpsig"),
    ),
)
ANONYMOUS_ONLY = HttpSecurity(
    client_auth=(AuthMethod(namespace=CLIAUTH_NONE_NS, name="anonymous"),),
)


def iias(
    version: str, base: str, *, max_ids: str | None = "3", security: HttpSecurity | None = HTTPSIG
) -> ApiEntry:
    """An IIAs entry; properties deliberately out of schema order (the builder sorts them)."""
    ns = IIAS_V7_ENTRY_NS if version.startswith("7") else IIAS_V6_ENTRY_NS
    props = [("index-url", f"{base}/iias/index"), ("get-url", f"{base}/iias/get")]
    if max_ids is not None:
        props.append(("max-iia-ids", max_ids))
    if not version.startswith("7"):
        props.append(("max-iia-codes", "2"))
    return ApiEntry(
        name="iias", namespace=ns, version=version, properties=tuple(props), http_security=security
    )


def echo(base: str, *, security: HttpSecurity | None = HTTPSIG) -> ApiEntry:
    return ApiEntry(
        name="echo",
        namespace=ECHO_ENTRY_NS,
        version="2.0.1",
        properties=(("url", f"{base}/echo"),),
        http_security=security,
    )


def hei(hei_id: str, name: str, *others: tuple[str, str]) -> Hei:
    return Hei(
        id=hei_id,
        names=(LocalizedName(text=name, lang="en"),),
        other_ids=tuple(OtherHeiId(type=t, value=v) for t, v in others),
    )


def network(*, rotated: bool = False, beta_key: int = 3) -> Catalogue:
    """Two hosts: Alpha (two HEIs, IIAs 7.0.0 and 6.3.0, echo) and Beta (IIAs 7.1.0).

    Key 1 signs Alpha's requests, key 2 its responses, key ``beta_key`` (3) Beta's
    requests and responses. ``rotated`` adds key 4 as a second client key of Alpha.
    """
    alpha_clients = (key_id(1), key_id(4)) if rotated else (key_id(1),)
    alpha = Host(
        admin_emails=("admin@alpha.example",),
        admin_provider="Alpha SIS",
        apis=(
            iias("7.0.0", "https://alpha.example"),
            iias("6.3.0", "https://alpha.example/v6"),
            echo("https://alpha.example"),
        ),
        hei_ids=("alpha.example", "alpha-arts.example"),
        client_keys=alpha_clients,
        server_keys=(key_id(2),),
    )
    beta = Host(
        admin_emails=("admin@beta.example",),
        apis=(iias("7.1.0", "https://beta.example"), echo("https://beta.example")),
        hei_ids=("alpha.example", "beta.example"),
        client_keys=(key_id(beta_key),),
        server_keys=(key_id(beta_key),),
    )
    keys = {public_key(1), public_key(2), public_key(beta_key)}
    if rotated:
        keys.add(public_key(4))
    return build_catalogue(
        [alpha, beta],
        heis=[
            hei("alpha.example", "Alpha University", ("erasmus", "XX ALPHA01"), ("pic", "111")),
            hei("alpha-arts.example", "Alpha Academy of Arts", ("euc", "12345-EPP")),
            hei("beta.example", "Beta College", ("erasmus", "XX BETA01")),
        ],
        public_keys=sorted(keys),
    )


def network_xml(*, rotated: bool = False, beta_key: int = 3) -> bytes:
    return render_catalogue(network(rotated=rotated, beta_key=beta_key))


@dataclass
class RegistryServer:
    """A Registry on 127.0.0.1 whose answers the test scripts.

    ``status`` overrides every answer (e.g. 503 for "down"); ``gate``, when set,
    holds each request until the test releases it; ``arrived`` is set when a
    request is being held or served.
    """

    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    etag: str | None = None
    last_modified: str | None = None
    status: int | None = None
    gate: threading.Event | None = None
    arrived: threading.Event = field(default_factory=threading.Event)
    requests: list[Mapping[str, str]] = field(default_factory=list)
    port: int = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/catalogue-v1.xml"

    def publish(
        self,
        body: bytes,
        *,
        etag: str | None = None,
        last_modified: str | None = None,
        **headers: str,
    ) -> None:
        """Serve ``body``; keyword headers use underscores (``cache_control="max-age=60"``)."""
        self.body = body
        self.etag = etag
        self.last_modified = last_modified
        self.headers = {k.replace("_", "-").title(): v for k, v in headers.items()}

    def answer(self, request_headers: Mapping[str, str]) -> tuple[int, dict[str, str], bytes]:
        self.requests.append(request_headers)
        self.arrived.set()
        if self.gate is not None:
            self.gate.wait(30)
        if self.status is not None:
            return self.status, {"Content-Type": "text/plain"}, b"down for maintenance"
        headers = dict(self.headers)
        if self.etag:
            headers["ETag"] = self.etag
        if self.last_modified:
            headers["Last-Modified"] = self.last_modified
        inm = request_headers.get("if-none-match")
        ims = request_headers.get("if-modified-since")
        if (self.etag and inm == self.etag) or (
            not self.etag and self.last_modified and ims == self.last_modified
        ):
            return 304, headers, b""
        headers["Content-Type"] = "application/xml"
        return 200, headers, self.body


@contextmanager
def serve_registry() -> Iterator[RegistryServer]:
    state = RegistryServer()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            status, headers, body = state.answer({k.lower(): v for k, v in self.headers.items()})
            self.send_response_only(status)
            if "Date" not in headers:
                self.send_header("Date", self.date_time_string())
            for name, value in headers.items():
                self.send_header(name, value)
            if status != 304:
                self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if status != 304:
                self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            pass

    def release() -> None:
        if state.gate is not None:
            state.gate.set()

    with loopback_server(Handler, on_stop=release) as port:
        state.port = port
        yield state
