"""The exchange ring: every exchange of a mock node recorded with its verdicts, bodies masked.

A signature failure and a schema failure are recorded with their verdicts; an LA read
carrying a known student's name and birth date leaves neither in the ring's JSON nor in
its JSON-lines file, and both are there when the ring keeps personal data. The ring
keeps only its latest records, its file is rotated, and the node's own calls are
recorded through the ring's httpx transport.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from ewp_client import AsyncEwpClient, AsyncLasClient, AsyncRegistryClient
from ewp_client.clock import ManualClock
from ewp_client.errors import ConfigError, SchemaValidationError, SignatureMismatchError
from ewp_client.namespaces import COMMON_NS, LAS_UPDATE_REQUEST_NS
from ewp_client.security import RequestSigner, VerifyResult
from ewp_client.server.middleware import VERIFIED_KEY
from ewp_client.xml import validate
from ewp_mock import MockConfig, create_app, node_of_app
from ewp_mock.data import UNI_A, UNI_B, demo_dataset
from ewp_mock.exchange_log import (
    EXCHANGES_FILE,
    SIGNATURE_ERROR_KEY,
    ExchangeLog,
    ExchangeRing,
    schema_verdict,
)
from tests.mock.conftest import key

BASE = "http://mock.test"
CATALOGUE = f"{BASE}/catalogue-v1.xml"
#: The demo's approved LA is "Demo Student 4"'s, born on 4 January 2004.
STUDENT_NAME = "Student 4"
BIRTH_DATE = "2004-01-04"
UNKNOWN_KEY = 6
REFUSED = 'Signature keyId="k2",algorithm="rsa-sha256",headers="date",signature="AAAA"'


@pytest.fixture
def app() -> FastAPI:
    dataset = demo_dataset()
    config = MockConfig(
        base_url=BASE, server_key=key(1), client_key=key(2), hei_ids=dataset.hei_ids
    )
    app = create_app(config, dataset=dataset)
    node_of_app(app).register_client(key(3).public_key, [UNI_B])
    return app


async def las_client(app: object) -> AsyncIterator[AsyncLasClient]:
    transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]
    async with (
        httpx.AsyncClient(transport=transport) as http,
        AsyncEwpClient(AsyncRegistryClient(CATALOGUE, http=http), key=key(3), http=http) as client,
    ):
        yield AsyncLasClient(client)


async def signed(
    app: object, method: str, target: str, *, n: int = 3, body: bytes = b"", **headers: str
) -> httpx.Response:
    pairs = [(k.replace("_", "-"), v) for k, v in headers.items()]
    signature = RequestSigner(key(n)).sign(
        method=method, target=target, body=body, host="mock.test", headers=pairs
    )
    transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]
    async with httpx.AsyncClient(transport=transport, base_url=BASE) as http:
        sent = {**dict(pairs), **dict(signature.headers)}
        return await http.request(method, target, content=body, headers=sent)


async def read_approved_la(app: FastAPI, ring: ExchangeRing) -> None:
    async for las in las_client(ExchangeLog(app, ring=ring)):
        (la,) = await las.get(UNI_A, ["la-approved"])
        assert la.student is not None
        assert la.student.family_name == STUDENT_NAME  # the body did carry them
        assert la.student.birth_date is not None
        assert la.student.birth_date.isoformat() == BIRTH_DATE


def the_get(ring: ExchangeRing) -> dict[str, object]:
    (record,) = [r for r in ring.as_json() if "/ewp/las/get" in str(r["url"])]
    return record


# ------------------------------------------------------------------ personal data


async def test_an_la_read_leaves_no_student_name_nor_birth_date_in_the_ring(
    app: FastAPI, tmp_path: Path
) -> None:
    ring = ExchangeRing(path=tmp_path / EXCHANGES_FILE)
    await read_approved_la(app, ring)

    record = the_get(ring)
    assert record["status"] == 200
    assert record["verdict"] == "ok"
    assert record["personal_data"] == "masked"
    assert record["response_schema"] == {
        "verdict": "valid",
        "document": "omobility-las-get-response",
        "violations": [],
        "total": 0,
    }
    assert "la-approved" in str(record["response_body"])  # the body is kept, masked
    assert "(masked)" in str(record["response_body"])
    answered = json.dumps(ring.as_json())
    on_disk = (tmp_path / EXCHANGES_FILE).read_text()
    for personal in (STUDENT_NAME, BIRTH_DATE):
        assert personal not in answered
        assert personal not in on_disk
    assert [json.loads(line)["seq"] for line in on_disk.splitlines()] == [
        r["seq"] for r in ring.as_json()
    ]


async def test_a_ring_keeping_personal_data_keeps_both(app: FastAPI, tmp_path: Path) -> None:
    ring = ExchangeRing(path=tmp_path / EXCHANGES_FILE, keep_personal_data=True)
    await read_approved_la(app, ring)

    record = the_get(ring)
    assert record["personal_data"] == "kept"
    answered = json.dumps(ring.as_json())
    on_disk = (tmp_path / EXCHANGES_FILE).read_text()
    for personal in (STUDENT_NAME, BIRTH_DATE):
        assert personal in answered
        assert personal in on_disk
    assert (tmp_path / EXCHANGES_FILE).stat().st_mode & 0o777 == 0o600


# ------------------------------------------------------------------ the verdicts


async def test_a_signature_failure_is_recorded_with_its_verdict(app: FastAPI) -> None:
    ring = ExchangeRing()
    response = await signed(
        ExchangeLog(app, ring=ring), "GET", "/ewp/las/index?sending_hei_id=uni-a.example.org",
        n=UNKNOWN_KEY,
    )  # fmt: skip
    assert response.status_code == 403

    (record,) = ring.records()
    assert record.direction == "in"
    assert record.status == 403
    assert record.verdict == "forbidden"
    assert record.key_id == key(UNKNOWN_KEY).key_id
    assert record.request_signature == "unknown-key"  # the signature layer said why
    assert record.heis == ()
    assert record.response_schema is not None
    assert record.response_schema.verdict == "valid"
    assert record.response_schema.document == "error-response"
    assert "is not a client key in the catalogue" in record.response_body  # which check failed
    assert record.url == f"{BASE}/ewp/las/index?sending_hei_id=uni-a.example.org"
    assert record.response_signed is True  # the client asked for a signed answer


async def test_a_schema_failure_is_recorded_with_its_verdict(app: FastAPI) -> None:
    ring = ExchangeRing()
    body = (
        f'<omobility-las-update-request xmlns="{LAS_UPDATE_REQUEST_NS}">'
        "<sending-hei-id>uni-a.example.org</sending-hei-id><unexpected/>"
        "</omobility-las-update-request>"
    ).encode()
    response = await signed(
        ExchangeLog(app, ring=ring), "POST", "/ewp/las/update", body=body,
        content_type="application/xml",
    )  # fmt: skip
    assert response.status_code == 400

    (record,) = ring.records()
    assert record.verdict == "bad-request"
    assert record.request_schema is not None
    assert record.request_schema.verdict == "invalid"
    assert record.request_schema.document == "omobility-las-update-request"
    assert record.request_schema.total >= 1
    assert any("unexpected" in v for v in record.request_schema.violations)
    assert record.response_schema is not None
    assert record.response_schema.verdict == "valid"
    assert record.request_body == body.decode()  # nothing personal in it: kept as sent
    assert record.as_dict()["request_schema"]["verdict"] == "invalid"


def test_schema_verdicts_of_bodies_that_are_not_valid_documents() -> None:
    assert schema_verdict(b"<a><b></a>") is not None
    assert schema_verdict(b"<a><b></a>").verdict == "not-xml"  # type: ignore[union-attr]
    unknown = schema_verdict(b"<a xmlns='urn:nothing'/>")
    assert unknown is not None
    assert unknown.verdict == "unknown-document"
    assert schema_verdict(b"a=b", "application/x-www-form-urlencoded") is None
    assert schema_verdict(b"") is None
    big = schema_verdict(b"<a/>" * 10, "text/xml", max_bytes=8)
    assert big is not None
    assert big.verdict == "not-checked"


async def test_the_signature_layer_s_reports_are_read_when_it_leaves_them() -> None:
    """A verified request gives its keyId and HEIs; a refused one the kind of its error."""
    verified = VerifyResult(
        key_id="k1", covered=(), headers=(), body=b"", signature="", heis=frozenset({UNI_B})
    )

    async def inner(scope: dict[str, object], receive: object, send: object) -> None:
        state = scope["state"]
        assert isinstance(state, dict)
        if scope["path"] == "/ok":
            state[VERIFIED_KEY] = verified
            status = 200
        elif scope["path"] == "/refused":
            state[SIGNATURE_ERROR_KEY] = SignatureMismatchError("no match")
            status = 400
        else:
            status = 401
        await send({"type": "http.response.start", "status": status, "headers": []})  # type: ignore[operator]
        await send({"type": "http.response.body", "body": b""})  # type: ignore[operator]

    ring = ExchangeRing()
    transport = httpx.ASGITransport(app=ExchangeLog(inner, ring=ring))  # type: ignore[arg-type]
    async with httpx.AsyncClient(transport=transport, base_url=BASE) as http:
        await http.get("/ok")
        await http.get("/refused", headers={"Authorization": REFUSED})
        await http.get("/unsigned")
    ok, refused, unsigned = ring.records()
    assert (ok.key_id, ok.heis, ok.request_signature) == ("k1", (UNI_B,), "verified")
    assert (refused.key_id, refused.request_signature) == ("k2", "signature-mismatch")
    assert (unsigned.key_id, unsigned.request_signature) == (None, "unsigned")


# ------------------------------------------------------------------ bounds


async def test_the_ring_keeps_its_latest_records_and_the_file_is_rotated(
    app: FastAPI, tmp_path: Path
) -> None:
    path = tmp_path / EXCHANGES_FILE
    ring = ExchangeRing(3, path=path, max_file_bytes=6000)
    wrapped = ExchangeLog(app, ring=ring)
    for n in range(5):
        response = await signed(wrapped, "GET", f"/ewp/echo?echo=n{n}")
        assert response.status_code == 200
    assert len(ring) == 3
    assert [r.url.rpartition("=")[2] for r in ring.records()] == ["n2", "n3", "n4"]
    assert [r.seq for r in ring.records(since=3)] == [4, 5]
    assert [r.seq for r in ring.records(limit=1)] == [3]
    rotated = path.with_name(EXCHANGES_FILE + ".1")
    assert rotated.is_file()
    lines = [json.loads(x) for f in (rotated, path) for x in f.read_text().splitlines()]
    assert [x["seq"] for x in lines][-3:] == [3, 4, 5]
    assert path.stat().st_size <= 6000
    ring.clear()
    assert ring.records() == ()
    ring.close()


def test_a_ring_holds_at_least_one_record() -> None:
    with pytest.raises(ConfigError, match="at least 1"):
        ExchangeRing(0)


async def test_long_bodies_are_cut_and_withheld_when_not_read_whole() -> None:
    body = b"<a>" + b"x" * 5000 + b"</a>"

    async def inner(scope: dict[str, object], receive: object, send: object) -> None:
        await receive()  # type: ignore[operator]
        headers = [(b"content-type", b"application/xml")]
        await send({"type": "http.response.start", "status": 200, "headers": headers})  # type: ignore[operator]
        await send({"type": "http.response.body", "body": body})  # type: ignore[operator]

    masked = ExchangeRing(max_capture_bytes=1000, max_kept_chars=100)
    kept = ExchangeRing(max_capture_bytes=1000, max_kept_chars=100, keep_personal_data=True)
    for ring in (masked, kept):
        transport = httpx.ASGITransport(app=ExchangeLog(inner, ring=ring))  # type: ignore[arg-type]
        async with httpx.AsyncClient(transport=transport, base_url=BASE) as http:
            assert (await http.post("/x", content=b"short")).content == body
    (withheld,) = masked.records()
    assert withheld.response_body == f"<{len(body)} bytes, over the 1000 bytes read: withheld>"
    assert withheld.response_size == len(body)
    assert withheld.response_schema is not None
    assert withheld.response_schema.verdict == "not-checked"
    assert withheld.request_body == "<5 bytes, untyped, not XML: withheld>"
    (cut,) = kept.records()
    assert cut.response_body == "<a>" + "x" * 97 + f"...<cut: {len(body)} bytes in all>"
    assert cut.request_body == "short"


# ------------------------------------------------------------------ outgoing


async def test_the_node_s_outgoing_calls_are_recorded_through_the_transport() -> None:
    clock = ManualClock()
    ring = ExchangeRing(clock=clock)
    student = b"<r xmlns='urn:x'><student><family-name>Nowak</family-name></student></r>"

    def partner(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/down":
            raise httpx.ConnectError("refused", request=request)
        if request.url.path == "/student":
            return httpx.Response(200, content=student, headers={"Content-Type": "text/xml"})
        return httpx.Response(
            200, content=b"<not-ewp/>", headers={"Content-Type": "application/xml"}
        )

    transport = ring.transport(httpx.MockTransport(partner), heis=[UNI_A])
    form = [("Content-Type", "application/x-www-form-urlencoded")]
    signature = RequestSigner(key(3)).sign(
        method="POST", target="/cnr", body=b"omobility_id=x", host="partner.test", headers=form
    )
    async with httpx.AsyncClient(transport=transport, base_url="https://partner.test") as http:
        sent = [*form, *signature.headers]
        answered = await http.post("/cnr", content=b"omobility_id=x", headers=sent)
        assert answered.content == b"<not-ewp/>"
        assert (await http.get("/student")).content == student
        with pytest.raises(httpx.ConnectError):
            await http.get("/down")

    cnr, read, down = ring.records()
    assert cnr.direction == "out"
    assert cnr.url == "https://partner.test/cnr"
    assert (cnr.method, cnr.status, cnr.verdict) == ("POST", 200, "ok")
    assert (cnr.key_id, cnr.heis, cnr.request_signature) == (key(3).key_id, (UNI_A,), "signed")
    assert cnr.request_body == "omobility_id=x"
    assert cnr.response_schema is not None
    assert cnr.response_schema.verdict == "unknown-document"
    assert cnr.business_at == clock.now()
    assert "Nowak" not in read.response_body
    assert "(masked)" in read.response_body
    assert read.request_signature == "unsigned"
    assert (down.status, down.verdict) == (None, "no-response")
    assert down.error is not None
    assert down.error.startswith("ConnectError")


async def test_an_invalid_answer_from_a_partner_is_recorded_as_such() -> None:
    answer = f"<error-response xmlns='{COMMON_NS}'><oops/></error-response>".encode()
    with pytest.raises(SchemaValidationError):
        validate(answer)
    ring = ExchangeRing()
    transport = ring.transport(httpx.MockTransport(lambda r: httpx.Response(500, content=answer)))
    async with httpx.AsyncClient(transport=transport) as http:
        assert (await http.get("https://partner.test/ewp/iias")).status_code == 500
    (record,) = ring.records()
    assert record.verdict == "server-error"
    assert record.response_schema is not None
    assert record.response_schema.verdict == "invalid"
    assert record.response_schema.document == "error-response"
    assert record.response_schema.violations
    assert record.response_body == answer.decode()


async def test_a_claimed_key_s_heis_come_from_the_resolver_and_a_failure_is_recorded(
    caplog: pytest.LogCaptureFixture,
) -> None:
    async def failing(scope: dict[str, object], receive: object, send: object) -> None:
        if scope["path"] == "/boom":
            raise RuntimeError("the app broke")
        await send({"type": "http.response.start", "status": 200, "headers": []})  # type: ignore[operator]
        await send({"type": "http.response.body", "body": b"<x/>"})  # type: ignore[operator]

    ring = ExchangeRing()
    wrapped = ExchangeLog(failing, ring=ring, heis_of=lambda key_id: [f"{key_id}.example.org"])
    transport = httpx.ASGITransport(app=wrapped)  # type: ignore[arg-type]
    caplog.set_level("INFO", logger="ewp_mock.exchange")
    async with httpx.AsyncClient(transport=transport, base_url=BASE) as http:
        await http.get("/public", headers={"Authorization": REFUSED})
        with pytest.raises(RuntimeError):
            await http.get("/boom")
    public, boom = ring.records()
    assert (public.key_id, public.heis) == ("k2", ("k2.example.org",))
    assert public.request_signature == "not-reported"
    assert public.response_schema is not None
    assert public.response_schema.verdict == "unknown-document"
    assert (boom.status, boom.verdict) == (None, "unhandled")
    assert boom.error == "RuntimeError: the app broke"
    lines = [r.getMessage() for r in caplog.records if r.name == "ewp_mock.exchange"]
    assert len(lines) == 2  # the one-line log is kept beside the ring
    assert "path=/public status=200 key=k2 verdict=ok" in lines[0]
    assert "path=/boom status=500 key=- verdict=unhandled" in lines[1]
