"""Every node records its exchanges: received (refused ones with why), sent, bounded, masked.

Over a real loopback TLS server and in process: a request with no signature, a
tampered body, an unknown key and a body over the limit are recorded with their
status and the signature layer's verdict; a request and an answer breaking their
schema are recorded with the schema verdict. An LA read carrying a known student's
name and birth date leaves neither in ``node.exchanges.as_json()`` nor in
``exchanges.jsonl``; a node started to keep personal data (``keep_personal_data``,
``ewp-mock serve --keep-personal-data``) keeps both. A CNR between two nodes is
in the sender's ring as sent and in the receiver's as received.
"""

from __future__ import annotations

import asyncio
import json
import os
import ssl
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from ewp_client import EwpClient, LasClient, RegistryClient
from ewp_client.clock import ManualClock
from ewp_client.cnr import OutgoingNotification
from ewp_client.errors import ConfigError
from ewp_client.namespaces import COMMON_NS, LAS_UPDATE_REQUEST_NS
from ewp_client.security import RequestSigner, private_key_pem, public_key_pem
from ewp_mock import MockConfig, exchange_log
from ewp_mock.cli import main
from ewp_mock.data import UNI_A, UNI_B, demo_dataset
from ewp_mock.exchange_log import EXCHANGES_FILE, Exchange, ExchangeRing
from ewp_mock.network import MockNetwork, NodeSpec
from ewp_mock.routes import echo as echo_route
from ewp_mock.routes import las as las_route
from ewp_mock.testing import Partner, PartnerKeys
from tests.mock.conftest import key

pytest_plugins = ["pytester"]

ROOT = Path(__file__).resolve().parents[2]
START = datetime(2026, 10, 1, 9, 0, tzinfo=UTC)
#: The demo's approved LA (sent by uni-a to uni-b) is "Demo Student 4"'s, born on 4 January 2004.
LA_ID = "la-approved"
STUDENT_NAME = "Student 4"
BIRTH_DATE = "2004-01-04"
PERSONAL = (STUDENT_NAME, BIRTH_DATE)
UNKNOWN_KEY = 7


def keys() -> PartnerKeys:
    return PartnerKeys(ours=key(3), server=key(1), client=key(2))


@pytest.fixture
def served() -> Iterator[Partner]:
    with Partner.served(keys=keys(), settings={"max_request_bytes": 2000}) as partner:
        yield partner


def recorded(ring: ExchangeRing, count: int, timeout: float = 10.0) -> tuple[Exchange, ...]:
    """The ring's records once it holds ``count`` (a served node records after it answered)."""
    deadline = time.monotonic() + timeout
    while len(ring.records()) < count and time.monotonic() < deadline:
        time.sleep(0.01)
    found = ring.records()
    assert len(found) >= count, [r.url for r in found]
    return found


def the(records: tuple[Exchange, ...], direction: str, path: str) -> Exchange:
    (found,) = [r for r in records if r.direction == direction and path in r.url]
    return found


def signed_headers(
    partner: Partner, method: str, target: str, body: bytes, n: int = 3
) -> dict[str, str]:
    form = [("Content-Type", "application/x-www-form-urlencoded")] if body else []
    signature = RequestSigner(key(n)).sign(
        method=method, target=target, body=body, host=partner.config.authority, headers=form
    )
    return {**dict(form), **dict(signature.headers)}


# ------------------------------------------------------------ refused signatures


def test_refused_requests_to_a_served_node_are_recorded_with_why(served: Partner) -> None:
    url = served.config.url(echo_route.PATH)
    target = echo_route.PATH
    assert served.ca_file is not None
    trust = ssl.create_default_context(cafile=str(served.ca_file))
    with httpx.Client(verify=trust, timeout=10.0) as http:
        unsigned = http.get(url, params={"echo": "x"})
        headers = signed_headers(served, "POST", target, b"echo=a")
        tampered = http.post(url, content=b"echo=b", headers=headers)
        stranger = http.post(
            url, content=b"echo=a", headers=signed_headers(served, "POST", target, b"echo=a", 7)
        )
        too_large = http.post(url, content=b"echo=" + b"x" * 3000, headers=headers)
        fine = http.post(
            url, content=b"echo=a", headers=signed_headers(served, "POST", target, b"echo=a")
        )
    answered = [r.status_code for r in (unsigned, tampered, stranger, too_large, fine)]
    assert answered == [401, 400, 403, 413, 200]

    records = recorded(served.exchanges, 5)
    assert [(r.direction, r.method, r.status) for r in records] == [
        ("in", "GET", 401),
        ("in", "POST", 400),
        ("in", "POST", 403),
        ("in", "POST", 413),
        ("in", "POST", 200),
    ]
    assert [(r.verdict, r.request_signature) for r in records] == [
        ("unauthenticated", "missing-signature"),
        ("bad-request", "digest-mismatch"),
        ("forbidden", "unknown-key"),
        ("too-large", "not-reported"),  # refused unread, before any signature check
        ("ok", "verified"),
    ]
    assert records[0].url == f"{url}?echo=x"
    assert records[2].key_id == key(UNKNOWN_KEY).key_id
    assert records[2].heis == ()
    assert (records[4].key_id, records[4].heis) == (key(3).key_id, (UNI_B,))
    assert records[1].request_body == "echo=b"  # what was sent, not what was signed
    for refused in records[:4]:
        assert refused.response_schema is not None
        assert refused.response_schema.document == "error-response"
        assert refused.response_schema.verdict == "valid"


async def test_a_refused_request_in_process_is_recorded_with_why() -> None:
    with Partner.in_process(keys=keys()) as partner:
        async with partner.async_http() as http:
            target = f"{echo_route.PATH}?echo=x"
            bad = signed_headers(partner, "GET", target, b"", n=UNKNOWN_KEY)
            assert (await http.get(partner.config.url(target), headers=bad)).status_code == 403
        (record,) = partner.exchanges.records()
    assert (record.direction, record.status, record.verdict) == ("in", 403, "forbidden")
    assert record.request_signature == "unknown-key"


# ------------------------------------------------------------ schema verdicts


async def test_a_request_breaking_its_schema_is_recorded_with_the_verdict() -> None:
    body = (
        f'<omobility-las-update-request xmlns="{LAS_UPDATE_REQUEST_NS}">'
        f"<sending-hei-id>{UNI_A}</sending-hei-id><unexpected/>"
        "</omobility-las-update-request>"
    ).encode()
    with Partner.in_process(keys=keys()) as partner:
        target = las_route.UPDATE_PATH
        signature = RequestSigner(key(3)).sign(
            method="POST",
            target=target,
            body=body,
            host=partner.config.authority,
            headers=[("Content-Type", "application/xml")],
        )
        headers = {"Content-Type": "application/xml", **dict(signature.headers)}
        async with partner.async_http() as http:
            answer = await http.post(partner.config.url(target), content=body, headers=headers)
        assert answer.status_code == 400
        (record,) = partner.exchanges.records()
    assert (record.status, record.request_signature) == (400, "verified")
    assert record.request_schema is not None
    assert record.request_schema.verdict == "invalid"
    assert record.request_schema.document == "omobility-las-update-request"
    assert any("unexpected" in v for v in record.request_schema.violations)
    assert record.as_dict()["request_schema"]["verdict"] == "invalid"


def two_nodes(*, keep_personal_data: bool = False) -> MockNetwork:
    dataset = demo_dataset()
    settings: dict[str, Any] = {"keep_personal_data": keep_personal_data}
    return MockNetwork(
        [
            NodeSpec(
                "a", (UNI_A,), dataset, {"server_key": key(1), "client_key": key(2), **settings}
            ),
            NodeSpec(
                "b", (UNI_B,), dataset, {"server_key": key(4), "client_key": key(5), **settings}
            ),
        ],
        clock=ManualClock(START),
    )


async def test_an_answer_breaking_its_schema_is_recorded_by_the_sender() -> None:
    broken = f"<error-response xmlns='{COMMON_NS}'><oops/></error-response>".encode()
    network = two_nodes()
    network.intercept("b", lambda request: httpx.Response(500, content=broken))
    async with network:
        network.node("a").notify(OutgoingNotification.la(UNI_B, UNI_A, LA_ID))
        await network.idle()
    sent = the(network.node("a").exchanges.records(), "out", "cnr")
    assert (sent.method, sent.status, sent.verdict) == ("POST", 500, "server-error")
    assert sent.response_schema is not None
    assert sent.response_schema.verdict == "invalid"
    assert sent.response_schema.document == "error-response"
    assert sent.response_schema.violations
    assert network.node("b").exchanges.records() == ()  # it never reached b


# ------------------------------------------------------------ both ways


async def test_a_cnr_is_sent_in_one_ring_and_received_in_the_other() -> None:
    network = two_nodes()
    async with network:
        network.node("a").notify(OutgoingNotification.la(UNI_B, UNI_A, LA_ID))
        await network.idle()
    a, b = network.node("a").exchanges.records(), network.node("b").exchanges.records()
    sent, received = the(a, "out", "cnr"), the(b, "in", "cnr")
    assert sent.url == received.url
    assert sent.url.startswith(network["b"].url)
    assert (sent.status, received.status) == (200, 200)
    assert (sent.key_id, sent.heis, sent.request_signature) == (key(2).key_id, (UNI_A,), "signed")
    assert (received.key_id, received.heis) == (key(2).key_id, (UNI_A,))
    assert received.request_signature == "verified"
    assert sent.request_body == received.request_body
    assert sent.business_at == START
    # b then fetched the LA from a: sent by b, received by a, the student masked in both
    fetched, served = the(b, "out", las_route.GET_PATH), the(a, "in", las_route.GET_PATH)
    assert (fetched.status, served.status) == (200, 200)
    assert fetched.response_schema is not None
    assert fetched.response_schema.verdict == "valid"
    for ring in (network.node("a").exchanges, network.node("b").exchanges):
        text = json.dumps(ring.as_json())
        assert LA_ID in text
        assert all(p not in text for p in PERSONAL)


async def test_a_cnr_over_loopback_tls_is_sent_in_one_ring_and_received_in_the_other() -> None:
    dataset = demo_dataset()
    specs = [
        NodeSpec("a", (UNI_A,), dataset, {"server_key": key(1), "client_key": key(2)}),
        NodeSpec("b", (UNI_B,), dataset, {"server_key": key(4), "client_key": key(5)}),
    ]
    async with MockNetwork.loopback(specs, clock=ManualClock(START)) as network:
        network.node("a").notify(OutgoingNotification.la(UNI_B, UNI_A, LA_ID))
        await network.idle()
        sent = the(network.node("a").exchanges.records(), "out", "cnr")
        deadline = time.monotonic() + 10.0
        while not [r for r in network.node("b").exchanges.records() if "cnr" in r.url]:
            assert time.monotonic() < deadline, "b did not record the CNR"
            await asyncio.sleep(0.01)
        received = the(network.node("b").exchanges.records(), "in", "cnr")
    assert sent.url.startswith("https://127.0.0.1:")
    assert sent.url == received.url
    assert (sent.status, sent.request_signature, sent.response_signed) == (200, "signed", True)
    assert (received.status, received.request_signature) == (200, "verified")
    assert (received.key_id, received.heis) == (key(2).key_id, (UNI_A,))


async def test_a_network_keeping_personal_data_keeps_it_both_ways() -> None:
    network = two_nodes(keep_personal_data=True)
    async with network:
        network.node("a").notify(OutgoingNotification.la(UNI_B, UNI_A, LA_ID))
        await network.idle()
    for name in ("a", "b"):
        ring = network.node(name).exchanges
        text = json.dumps(ring.as_json())
        assert all(p in text for p in PERSONAL), name
        assert {r.personal_data for r in ring.records()} == {"kept"}


# ------------------------------------------------------------ personal data


def read_la(partner: Partner) -> None:
    (la,) = LasClient(partner.client()).get(UNI_A, [LA_ID])
    assert la.student is not None
    assert la.student.family_name == STUDENT_NAME  # the answer did carry them
    assert la.student.birth_date is not None
    assert la.student.birth_date.isoformat() == BIRTH_DATE


@pytest.mark.parametrize("keep", [False, True], ids=["masked", "kept"])
def test_an_la_read_over_tls_is_masked_unless_the_node_keeps_personal_data(keep: bool) -> None:
    with Partner.served(keys=keys(), keep_personal_data=keep) as partner:
        read_la(partner)
        records = recorded(partner.exchanges, 2)  # the catalogue, the get
        served = the(records, "in", las_route.GET_PATH)
        assert (served.status, served.request_signature) == (200, "verified")
        answered = json.dumps(partner.exchanges.as_json())
        path = partner.exchanges.path
        assert path is not None
        assert path.name == EXCHANGES_FILE
        on_disk = path.read_text()
    assert LA_ID in served.response_body
    assert served.personal_data == ("kept" if keep else "masked")
    for personal in PERSONAL:
        assert (personal in answered) is keep
        assert (personal in on_disk) is keep
    lines = [json.loads(line) for line in on_disk.splitlines()]
    assert [line["seq"] for line in lines] == [r.seq for r in records]


def test_an_la_read_in_process_is_masked_unless_the_node_keeps_personal_data() -> None:
    for keep in (False, True):
        with Partner.in_process(keys=keys(), keep_personal_data=keep) as partner:
            read_la(partner)
            answered = json.dumps(partner.exchanges.as_json())
        assert all((p in answered) is keep for p in PERSONAL), keep


# ------------------------------------------------------------ bounds and settings


async def test_the_ring_keeps_the_latest_exchange_log_size_records() -> None:
    with Partner.in_process(keys=keys(), settings={"exchange_log_size": 3}) as partner:
        async with partner.async_http() as http:
            for n in range(5):
                await http.get(partner.config.url(f"{echo_route.PATH}?echo=n{n}"))
        records = partner.exchanges.records()
    assert partner.exchanges.size == 3
    assert [r.url.rpartition("=")[2] for r in records] == ["n2", "n3", "n4"]
    assert [r.seq for r in records] == [3, 4, 5]


async def test_a_body_answered_again_is_judged_once(monkeypatch: pytest.MonkeyPatch) -> None:
    checked: list[bytes] = []
    real = exchange_log.validate

    def counting(body: bytes, **options: Any) -> Any:
        checked.append(body)
        return real(body, **options)

    monkeypatch.setattr(exchange_log, "validate", counting)
    with Partner.in_process(keys=keys()) as partner:
        async with partner.async_http() as http:
            for _ in range(3):
                assert (await http.get(partner.catalogue_url)).status_code == 200
        records = partner.exchanges.records()
    assert len(records) == 3
    assert {r.response_schema for r in records} == {records[0].response_schema}
    assert records[0].response_schema is not None
    assert records[0].response_schema.verdict == "valid"
    assert len({r.response_body for r in records}) == 1
    assert len(checked) == 1  # the same catalogue bytes, checked once


@pytest.mark.parametrize("size", [0, -1, True, 1.5])
def test_an_exchange_log_size_must_be_a_positive_whole_number(size: object) -> None:
    with pytest.raises(ConfigError, match="exchange_log_size"):
        MockConfig(server_key=key(1), client_key=key(2), exchange_log_size=size)  # type: ignore[arg-type]


# ------------------------------------------------------------ the command and the plugin


def serve(directory: Path, *options: str) -> tuple[subprocess.Popen[str], dict[str, Any]]:
    """``ewp-mock serve --json`` with fixed keys, ours admitted for uni-b, until it is up."""
    (directory / "server.pem").write_bytes(private_key_pem(key(1).private_key))
    (directory / "client.pem").write_bytes(private_key_pem(key(2).private_key))
    (directory / "ours.pem").write_bytes(public_key_pem(key(3).public_key))
    env = {k: v for k, v in os.environ.items() if not k.startswith("EWP_")}
    process = subprocess.Popen(
        [
            sys.executable, "-m", "ewp_mock", "serve", "--json", "--port", "0",
            "--server-key", str(directory / "server.pem"),
            "--client-key", str(directory / "client.pem"),
            "--admit", f"{directory / 'ours.pem'}={UNI_B}",
            "--state-dir", str(directory / "state"), *options,
        ],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, cwd=ROOT, env=env,
    )  # fmt: skip
    assert process.stdout is not None
    lines = []
    for line in process.stdout:
        lines.append(line)
        if line.rstrip("\n") == "}":
            break
    return process, json.loads("".join(lines))


def read_la_from(document: dict[str, Any]) -> None:
    trust = ssl.create_default_context(cafile=document["ca"])
    with (
        RegistryClient(document["catalogue"], timeout=10.0, verify=trust) as registry,
        EwpClient(registry, key=key(3), http=httpx.Client(verify=trust)) as client,
    ):
        (la,) = LasClient(client).get(UNI_A, [LA_ID])
    assert la.student is not None
    assert la.student.family_name == STUDENT_NAME


@pytest.mark.parametrize(
    "options",
    [(), ("--keep-personal-data", "--exchange-log-size", "2")],
    ids=["default", "keep-personal-data"],
)
def test_ewp_mock_serve_writes_exchanges_jsonl_in_its_state_dir(
    tmp_path: Path, options: tuple[str, ...]
) -> None:
    keep = bool(options)
    process, document = serve(tmp_path, *options)
    try:
        exchanges = document["exchanges"]
        assert exchanges == {
            "file": str(tmp_path / "state" / EXCHANGES_FILE),
            "size": 2 if keep else 1000,
            "personal_data": "kept" if keep else "masked",
        }
        read_la_from(document)
        path = Path(exchanges["file"])
        deadline = time.monotonic() + 10.0
        while "las/get" not in (path.read_text() if path.exists() else ""):
            assert time.monotonic() < deadline, "the LA get was not written"
            time.sleep(0.02)
    finally:
        process.terminate()
        assert process.wait(timeout=20) == 0
    lines = [json.loads(line) for line in path.read_text().splitlines()]
    assert {line["direction"] for line in lines} == {"in"}
    (get,) = [line for line in lines if las_route.GET_PATH in line["url"]]
    assert get["status"] == 200
    assert get["request_signature"] == "verified"
    for personal in PERSONAL:
        assert (personal in path.read_text()) is keep
    assert path.stat().st_mode & 0o777 == 0o600


def test_ewp_mock_serve_refuses_an_exchange_log_size_that_is_not_positive(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["serve", "--exchange-log-size", "0"]) == 2
    assert "--exchange-log-size: '0' is not a positive whole number" in capsys.readouterr().err


def test_the_partner_marker_keeps_personal_data_when_asked(pytester: pytest.Pytester) -> None:
    pytester.makeini("[pytest]\nasyncio_default_fixture_loop_scope = function\n")
    pytester.makepyfile(
        test_suite=textwrap.dedent(
            f"""
            import json
            import pytest
            from ewp_client import EwpClient, LasClient, RegistryClient

            def names(partner):
                LasClient(partner.client()).get("{UNI_A}", ["{LA_ID}"])
                return json.dumps(partner.exchanges.as_json())

            def test_masked(ewp_partner):
                assert "{STUDENT_NAME}" not in names(ewp_partner)

            @pytest.mark.ewp_partner(keep_personal_data=True)
            def test_kept(ewp_partner):
                assert "{STUDENT_NAME}" in names(ewp_partner)
            """
        )
    )
    result = pytester.runpytest_inprocess("-p", "ewp_mock.pytest_plugin", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=2)
