"""``ewp-mock serve`` as an outside client meets it: a real process on 127.0.0.1, over TLS.

The node is started only with documented flags. Clients trust it through the
CA certificate it writes into ``--state-dir``: plain httpx signing by hand with
the ``ewp_client.security`` primitives, ``ewp_client`` with that CA bundle,
and curl.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import ssl
import stat
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from ewp_client import EchoClient
from ewp_client.client import EwpCall, EwpClient, IiasClient, LaCnrClient, LasClient
from ewp_client.codec import decode
from ewp_client.errors import Forbidden
from ewp_client.models import EchoResponse, Manifest
from ewp_client.namespaces import ECHO_API
from ewp_client.ola import VersionStatus
from ewp_client.registry import RegistryClient, parse_catalogue
from ewp_client.registry.resolver import CatalogueKeyResolver
from ewp_client.security import (
    RequestSigner,
    ResponseVerifier,
    SentRequest,
    SigningKey,
    load_private_key,
    private_key_pem,
    public_key_pem,
)
from ewp_client.xml import validate
from ewp_mock import DEFAULT_HEI
from ewp_mock.cli import main
from ewp_mock.control import ControlClient
from ewp_mock.data.demo import UNI_A, UNI_B, demo_dataset
from ewp_mock.data.fixtures import IIAS_DIR, dump_dataset
from ewp_mock.state_dir import StateDir

from .conftest import key

CI_HEI = "ci-suite.example.org"
ROOT = Path(__file__).resolve().parents[2]
PRIVATE_FILES = {"tls_key", "server_key", "client_key"}
#: What the start-up document holds, whatever the options.
DOCUMENT_KEYS = {
    "scenarios",
    "url",
    "tls",
    "catalogue",
    "manifests",
    "echo",
    "control",
    "inspector",
    "hei_ids",
    "server_key_id",
    "client_key_id",
    "admitted",
    "ca",
    "state_dir",
    "state_dir_temporary",
    "files",
    "data_dir",
    "warnings",
    "data",
    "stats_portal",
    "db",
    "peers",
    "cnr_expiry_hours",
    "registry_url",
    "exchanges",
}
#: Keys the module's node admits: ours for a CI HEI, the validator's for none, the demo
#: partner's for uni-b, and one in the Stats Portal's role.
OURS, VALIDATOR, PARTNER, PORTAL = 3, 4, 5, 6


@dataclass
class Node:
    """A running ``ewp-mock serve --json`` process, its start-up document and its stderr."""

    process: subprocess.Popen[str]
    document: dict[str, Any]
    stderr: list[str] = field(default_factory=list)

    def trust(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=self.document["ca"])

    def wait_for_log(self, text: str, count: int = 1, timeout: float = 10.0) -> list[str]:
        """The stderr lines holding ``text``, once there are ``count`` (fails after ``timeout``)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = [line for line in list(self.stderr) if text in line]
            if len(found) >= count:
                return found
            time.sleep(0.02)
        pytest.fail(f"not {count} log lines with {text!r} in {self.stderr}")

    def log_lines(self, text: str) -> int:
        return len([line for line in list(self.stderr) if text in line])

    def stop(self, sig: signal.Signals = signal.SIGTERM) -> int:
        if self.process.poll() is None:
            self.process.send_signal(sig)
        return self.process.wait(timeout=20)


def _key_files(directory: Path) -> list[str]:
    """Options giving the node fixed keys (no key generation at start)."""
    server = directory / "server-in.pem"
    client = directory / "client-in.pem"
    server.write_bytes(private_key_pem(key(1).private_key))
    client.write_bytes(private_key_pem(key(2).private_key))
    return ["--server-key", str(server), "--client-key", str(client)]


def start(*options: str) -> Node:
    """``python -m ewp_mock serve --json OPTIONS`` until its start-up document is printed."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("EWP_")}
    process = subprocess.Popen(
        [sys.executable, "-m", "ewp_mock", "serve", "--json", *options],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
        env=env,
    )
    assert process.stdout is not None
    assert process.stderr is not None
    node = Node(process=process, document={})
    errors = process.stderr
    threading.Thread(target=lambda: node.stderr.extend(errors), daemon=True).start()
    lines = []
    for line in process.stdout:
        lines.append(line)
        if line.rstrip("\n") == "}":
            break
    else:
        process.wait(timeout=20)
        pytest.fail(f"ewp-mock serve stopped: {''.join(node.stderr)}")
    node.document = json.loads("".join(lines))
    return node


def _public_key_file(directory: Path, n: int) -> Path:
    path = directory / f"public-{n}.pem"
    path.write_bytes(public_key_pem(key(n).public_key))
    return path


@pytest.fixture(scope="module")
def node(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Node]:
    """One TLS node for the module, serving the default (the demo data's uni-a)."""
    directory = tmp_path_factory.mktemp("serve")
    running = start(
        *_key_files(directory),
        "--state-dir",
        str(directory / "state"),
        "--admit",
        f"{_public_key_file(directory, OURS)}={CI_HEI}",
        "--admit",
        f"{_public_key_file(directory, VALIDATOR)}=",
        "--admit",
        f"{_public_key_file(directory, PARTNER)}={UNI_B}",
        "--stats-portal",
        str(_public_key_file(directory, PORTAL)),
    )
    try:
        yield running
    finally:
        running.stop()


# ------------------------------------------------------------- the start-up document


def test_the_json_start_up_document_says_where_and_who_the_node_is(node: Node) -> None:
    document = node.document
    assert set(document) == DOCUMENT_KEYS
    base = document["url"]
    parts = urlsplit(base)
    assert (parts.scheme, parts.hostname) == ("https", "127.0.0.1")
    assert document["tls"] is True
    assert document["catalogue"] == f"{base}/catalogue-v1.xml"
    assert document["echo"].startswith(f"{base}/")
    assert document["control"] is None  # off unless --control
    assert document["inspector"] is None
    # Discovery v6: one HEI per manifest; a node of one HEI serves it at /manifest.xml.
    assert document["manifests"] == [{"hei_id": DEFAULT_HEI, "url": f"{base}/manifest.xml"}]
    assert document["hei_ids"] == [DEFAULT_HEI] == [UNI_A]
    assert document["server_key_id"] == key(1).key_id
    assert document["client_key_id"] == key(2).key_id
    assert document["admitted"] == [
        {"key_id": key(OURS).key_id, "hei_ids": [CI_HEI]},
        {"key_id": key(VALIDATOR).key_id, "hei_ids": []},
        {"key_id": key(PARTNER).key_id, "hei_ids": [UNI_B]},
    ]
    assert document["stats_portal"] == [key(PORTAL).key_id]
    assert document["data"] == {
        "source": "demo",
        "directory": None,
        "hei_ids": [UNI_A],
        "bare_hei_ids": [],
        "partner_hei_ids": [UNI_B],
        "admit": f"--admit KEYFILE={UNI_B}",
    }
    state = Path(document["state_dir"])
    assert document["ca"] == str(state / "ca.pem")
    assert document["state_dir_temporary"] is False
    assert document["warnings"] == []
    assert document["data_dir"] is None
    assert document["scenarios"] == []  # none asked for


def test_the_state_dir_holds_the_trust_anchor_keys_and_catalogue_with_safe_modes(
    node: Node,
) -> None:
    state = Path(node.document["state_dir"])
    files = node.document["files"]
    assert set(files) == PRIVATE_FILES | {
        "ca",
        "tls_certificate",
        "server_public_key",
        "client_public_key",
        "catalogue",
        "node",
    }
    assert stat.S_IMODE(state.stat().st_mode) == 0o700
    for name, path in files.items():
        assert Path(path).parent == state
        mode = stat.S_IMODE(Path(path).stat().st_mode)
        assert mode == (0o600 if name in PRIVATE_FILES else 0o644), name
    # The CA's private key never leaves the process: only the three keys are private.
    holding_private_keys = {p.name for p in state.iterdir() if b"PRIVATE KEY" in p.read_bytes()}
    assert holding_private_keys == {"tls-key.pem", "server-key.pem", "client-key.pem"}
    server = SigningKey(load_private_key(Path(files["server_key"]).read_bytes()))
    assert server.key_id == node.document["server_key_id"]
    assert json.loads(Path(files["node"]).read_text(encoding="utf-8")) == node.document
    served = httpx.get(node.document["catalogue"], verify=node.trust(), timeout=10.0)
    assert served.content == Path(files["catalogue"]).read_bytes()


# ------------------------------------------------------------------ outside clients


def test_plain_httpx_trusting_the_ca_gets_a_signed_echo_signed_by_hand(node: Node) -> None:
    trust = node.trust()
    catalogue = parse_catalogue(
        httpx.get(node.document["catalogue"], verify=trust, timeout=10.0).content
    )
    url = node.document["echo"]
    target = f"{urlsplit(url).path}?echo=outside"
    signed = RequestSigner(key(3)).sign(
        method="GET", target=target, body=b"", host=urlsplit(url).netloc
    )
    response = httpx.get(
        f"{url}?echo=outside", headers=list(signed.headers), verify=trust, timeout=10.0
    )
    assert response.status_code == 200
    verified = ResponseVerifier(CatalogueKeyResolver(catalogue)).verify(
        request=SentRequest.from_signature(signed),
        endpoint=url,
        headers=list(response.headers.multi_items()),
        body=response.content,
    )
    assert verified.key_id == key(1).key_id
    echo = decode(response.content, EchoResponse)
    assert echo.echoes == ("outside",)
    assert echo.hei_ids == (CI_HEI,)


def test_without_the_ca_a_client_refuses_the_node(node: Node) -> None:
    with pytest.raises(httpx.ConnectError, match="CERTIFICATE_VERIFY_FAILED"):
        httpx.get(node.document["catalogue"], verify=ssl.create_default_context(), timeout=10.0)


@pytest.mark.parametrize(
    ("signing_key", "heis"), [(3, (CI_HEI,)), (4, ())], ids=["admitted-for-a-hei", "no-hei"]
)
def test_ewp_client_with_the_ca_bundle_gets_verified_answers(
    node: Node, signing_key: int, heis: tuple[str, ...]
) -> None:
    trust = node.trust()
    with (
        RegistryClient(node.document["catalogue"], timeout=10.0, verify=trust) as registry,
        EwpClient(registry, key=key(signing_key), http=httpx.Client(verify=trust)) as client,
    ):
        answer = client.call(
            EwpCall(api=ECHO_API, hei_id=DEFAULT_HEI, endpoint="url", params=(("echo", "ci"),))
        )
    assert answer.status == 200
    assert answer.verified
    echo = decode(answer.tree, EchoResponse)
    assert echo.echoes == ("ci",)
    assert echo.hei_ids == heis


@pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed here")
def test_curl_with_the_ca_reaches_the_manifest_and_the_catalogue(node: Node) -> None:
    manifest_url = node.document["manifests"][0]["url"]
    for url in (manifest_url, node.document["catalogue"]):
        done = subprocess.run(
            ["curl", "--silent", "--show-error", "--noproxy", "*", "--fail",
             "--cacert", node.document["ca"], url],
            capture_output=True, timeout=30, check=False,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
        validate(done.stdout)
    manifest = decode(
        subprocess.run(
            ["curl", "-sS", "--noproxy", "*", "--cacert", node.document["ca"], manifest_url],
            capture_output=True, timeout=30, check=True,
        ).stdout,
        Manifest,
    )  # fmt: skip
    assert manifest.host is not None
    refused = subprocess.run(
        ["curl", "-sS", "--noproxy", "*", node.document["catalogue"]],
        capture_output=True, timeout=30, check=False,
    )  # fmt: skip
    assert refused.returncode == 60  # curl: peer certificate cannot be authenticated


@pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed here")
def test_curl_sending_a_signed_echo_gets_a_signed_answer(node: Node, tmp_path: Path) -> None:
    """curl carries headers a SIS signed elsewhere; the node's answer verifies byte for byte."""
    url = node.document["echo"]
    target = f"{urlsplit(url).path}?echo=curl"
    signed = RequestSigner(key(3)).sign(
        method="GET", target=target, body=b"", host=urlsplit(url).netloc
    )
    head, body = tmp_path / "head.txt", tmp_path / "body.xml"
    command = ["curl", "-sS", "--http1.1", "--noproxy", "*", "--cacert", node.document["ca"],
               "-D", str(head), "-o", str(body)]  # fmt: skip
    for name, value in signed.headers:
        command += ["-H", f"{name}: {value}"]
    done = subprocess.run([*command, f"{url}?echo=curl"], capture_output=True, timeout=30)
    assert done.returncode == 0, done.stderr
    status_line, *lines = head.read_text("latin-1").strip().splitlines()
    assert status_line.split()[1] == "200", status_line
    headers = [tuple(part.strip() for part in line.split(":", 1)) for line in lines if ":" in line]
    catalogue = parse_catalogue(
        httpx.get(node.document["catalogue"], verify=node.trust(), timeout=10.0).content
    )
    verified = ResponseVerifier(CatalogueKeyResolver(catalogue)).verify(
        request=SentRequest.from_signature(signed),
        endpoint=url,
        headers=headers,
        body=body.read_bytes(),
    )
    assert verified.key_id == key(1).key_id
    assert decode(body.read_bytes(), EchoResponse).echoes == ("curl",)


def test_one_log_line_per_exchange_with_no_request_values(node: Node) -> None:
    trust = node.trust()
    url = node.document["echo"]
    value = "Ada-Lovelace-1815"  # stands for anything a request might carry
    signed_ok = f"key={key(3).key_id} verdict=ok"
    unauthenticated = "status=401 key=- verdict=unauthenticated"
    before, before_401 = node.log_lines(signed_ok), node.log_lines(unauthenticated)
    target = f"{urlsplit(url).path}?echo={value}"
    signed = RequestSigner(key(3)).sign(
        method="GET", target=target, body=b"", host=urlsplit(url).netloc
    )
    ok = httpx.get(f"{url}?echo={value}", headers=list(signed.headers), verify=trust)
    assert ok.status_code == 200
    unsigned = httpx.get(f"{url}?echo={value}", verify=trust)
    assert unsigned.status_code == 401
    path = urlsplit(url).path
    line = node.wait_for_log(signed_ok, count=before + 1)[-1]
    assert f"method=GET path={path} status=200 " in line
    assert "response=signed" in line
    lines = node.wait_for_log(unauthenticated, count=before_401 + 1)
    assert len(lines) == before_401 + 1
    assert node.log_lines(signed_ok) == before + 1  # one line per exchange, no more
    assert not [line for line in node.stderr if value in line]


# ------------------------------------------------------- the demo data, by default


def test_the_demo_partners_key_sees_uni_as_iias_and_las_over_tls(node: Node) -> None:
    data = demo_dataset()
    served = sorted(s.iia_id for s in data.served_iias(UNI_A))
    published = sorted(
        s.la.omobility_id
        for s in data.outgoing_las(UNI_A)
        if s.status is not VersionStatus.DRAFT and s.la.receiving_hei.hei_id == UNI_B
    )
    trust = node.trust()
    with (
        RegistryClient(node.document["catalogue"], timeout=10.0, verify=trust) as registry,
        EwpClient(registry, key=key(PARTNER), http=httpx.Client(verify=trust)) as client,
    ):
        iias = IiasClient(client)
        assert sorted(iias.index(UNI_A)) == served
        assert sorted(c.iia_id or "" for c in iias.get(UNI_A, served)) == served
        las = LasClient(client)
        assert sorted(las.index(UNI_A)) == published
        got = las.get(UNI_A, published)
        assert sorted(la.omobility_id for la in got) == published
    assert len(served) >= 6
    assert len(published) >= 6
    # One log line per exchange, none with the ids asked for or the students served.
    partner_lines = node.wait_for_log(f"key={key(PARTNER).key_id} verdict=ok", count=4)
    assert {"path=/ewp/las/get", "path=/ewp/las/index"} <= {
        word for line in partner_lines for word in line.split() if word.startswith("path=")
    }
    private = {la.student.email for la in got} | {la.student.family_name for la in got}
    private |= set(published) | set(served)
    assert private
    assert [line for line in list(node.stderr) if any(v in line for v in private if v)] == []


def test_a_key_for_another_hei_sees_no_data(node: Node) -> None:
    trust = node.trust()
    with (
        RegistryClient(node.document["catalogue"], timeout=10.0, verify=trust) as registry,
        EwpClient(registry, key=key(OURS), http=httpx.Client(verify=trust)) as client,
    ):
        assert IiasClient(client).index(UNI_A) == ()
        assert LasClient(client).index(UNI_A) == ()


def test_the_stats_portal_key_reads_the_stats_and_others_get_403(node: Node) -> None:
    trust = node.trust()
    with RegistryClient(node.document["catalogue"], timeout=10.0, verify=trust) as registry:
        with EwpClient(registry, key=key(PORTAL), http=httpx.Client(verify=trust)) as portal:
            iias = IiasClient(portal).stats(UNI_A)
            las = LasClient(portal).stats(UNI_A)
            incoming = LaCnrClient(portal).stats(UNI_A)
        before = node.log_lines(f"status=403 key={key(PARTNER).key_id}")
        with EwpClient(registry, key=key(PARTNER), http=httpx.Client(verify=trust)) as partner:
            for read in (IiasClient(partner).stats, LasClient(partner).stats):
                with pytest.raises(Forbidden) as caught:
                    read(UNI_A)
                assert caught.value.status == 403
    assert iias.iia_fetchable == len(demo_dataset().served_iias(UNI_A))
    assert sum(y.la_outgoing_total for y in las.academic_years) >= 1
    assert sum(y.la_incoming_total for y in incoming.academic_years) >= 1
    lines = node.wait_for_log(f"status=403 key={key(PARTNER).key_id}", count=before + 2)
    assert all("verdict=forbidden" in line for line in lines)


def test_no_data_serves_the_default_hei_bare(tmp_path: Path) -> None:
    partner = _public_key_file(tmp_path, PARTNER)
    running = start(*_key_files(tmp_path), "--no-data", "--admit", f"{partner}={UNI_B}")
    try:
        document = running.document
        assert document["hei_ids"] == [DEFAULT_HEI]
        assert document["data"] == {
            "source": "none",
            "directory": None,
            "hei_ids": [],
            "bare_hei_ids": [DEFAULT_HEI],
            "partner_hei_ids": [],
            "admit": None,
        }
        assert document["warnings"] == []
        trust = running.trust()
        with (
            RegistryClient(document["catalogue"], timeout=10.0, verify=trust) as registry,
            EwpClient(registry, key=key(PARTNER), http=httpx.Client(verify=trust)) as client,
        ):
            assert IiasClient(client).index(UNI_A) == ()
            assert LasClient(client).index(UNI_A) == ()
    finally:
        assert running.stop() == 0


def test_control_serves_the_control_api_over_tls_while_ewp_answers_stay_signed(
    tmp_path: Path,
) -> None:
    partner = _public_key_file(tmp_path, PARTNER)
    running = start(*_key_files(tmp_path), "--control", "--admit", f"{partner}={UNI_B}")
    try:
        document = running.document
        assert document["control"] == f"{document['url']}/_mock/control"
        assert document["inspector"] == f"{document['url']}/_mock/inspector"
        trust = running.trust()
        with (
            ControlClient(document["url"], http=httpx.Client(verify=trust)) as control,
            RegistryClient(document["catalogue"], timeout=10.0, verify=trust) as registry,
            EwpClient(registry, key=key(PARTNER), http=httpx.Client(verify=trust)) as client,
        ):
            assert control.clock().clock == "NodeClock"
            moved = control.advance(timedelta(days=2))
            assert moved.now > datetime.now(UTC) + timedelta(days=1)
            assert EchoClient(client).echo(UNI_A, ["ci"]).echoes == ("ci",)
            assert control.reset().now < moved.now
            assert "/_mock/control/reset" in control.openapi()["paths"]
    finally:
        assert running.stop() == 0


def test_a_hei_the_demo_data_lacks_is_served_bare_and_said_so(tmp_path: Path) -> None:
    bare = "elsewhere.example.org"
    running = start(*_key_files(tmp_path), "--hei", UNI_B, "--hei", bare)
    try:
        document = running.document
        assert document["hei_ids"] == [UNI_B, bare]
        assert [m["hei_id"] for m in document["manifests"]] == [UNI_B, bare]
        assert document["data"]["hei_ids"] == [UNI_B]
        assert document["data"]["bare_hei_ids"] == [bare]
        assert document["data"]["admit"] == f"--admit KEYFILE={UNI_A}"
        (warning,) = document["warnings"]
        assert warning.startswith(f"{bare}: not in the demo data set; served with no data")
        (line,) = running.wait_for_log("warning:")
        assert line.rstrip("\n") == f"ewp-mock serve: warning: {warning}"
    finally:
        assert running.stop() == 0


def test_data_and_no_data_together_are_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["serve", "--data", str(tmp_path), "--no-data", "--json"]) == 2
    document = _error_document(capsys)
    assert document["error"]["kind"] == "usage"
    assert "--no-data" in document["error"]["message"]


def test_an_unreadable_stats_portal_key_file_is_named(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "portal.pem"
    assert main(["serve", "--stats-portal", str(missing), "--json"]) == 2
    document = _error_document(capsys)
    assert document["file"] == f"--stats-portal {missing}"
    assert document["error"]["kind"] == "unreadable"


# ------------------------------------------------------------------------ stopping


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "Ctrl-C"])
def test_a_stop_signal_ends_the_node_with_exit_0_and_removes_a_temporary_state_dir(
    tmp_path: Path, sig: signal.Signals
) -> None:
    running = start(*_key_files(tmp_path))
    state = Path(running.document["state_dir"])
    assert running.document["state_dir_temporary"] is True
    assert (state / "ca.pem").is_file()
    assert httpx.get(running.document["catalogue"], verify=running.trust()).status_code == 200
    assert running.stop(sig) == 0
    assert not state.exists()
    assert not [line for line in running.stderr if "Traceback" in line]


def test_plain_http_says_its_manifest_breaks_the_schema(tmp_path: Path) -> None:
    running = start(*_key_files(tmp_path), "--plain-http", "--state-dir", str(tmp_path / "s"))
    try:
        document = running.document
        assert document["tls"] is False
        assert document["url"].startswith("http://127.0.0.1:")
        assert document["ca"] is None
        assert len(document["warnings"]) == 1
        assert "schema" in document["warnings"][0]
        assert not {"ca", "tls_certificate", "tls_key"} & set(document["files"])
        assert not (tmp_path / "s" / "ca.pem").exists()
        (warning,) = running.wait_for_log("warning:")
        assert warning.startswith("ewp-mock serve: warning: plain HTTP")
        assert httpx.get(document["catalogue"]).status_code == 200
    finally:
        assert running.stop() == 0


# ------------------------------------------------------------------------ bad options


def _error_document(capsys: pytest.CaptureFixture[str]) -> dict[str, Any]:
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err
    document: dict[str, Any] = json.loads(captured.out)
    assert set(document) == {"file", "error"}
    assert set(document["error"]) == {"kind", "message", "line"}
    return document


@pytest.mark.parametrize(
    "argv",
    [
        ["--log-level", "loud"],
        ["--port", "70000"],
        ["--no-such-option"],
        ["--base-url", "http://mock:8000"],
    ],
    ids=["log-level", "port", "unknown", "http-base-url-over-tls"],
)
def test_bad_options_are_usage_errors_in_the_error_shape(
    argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["serve", *argv, "--json"]) == 2
    document = _error_document(capsys)
    assert document["file"] is None
    assert document["error"]["kind"] == "usage"


def test_an_http_base_url_needs_plain_http(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["serve", "--base-url", "http://mock:8000"]) == 2
    assert "https://" in capsys.readouterr().err


def test_a_state_dir_that_is_a_file_is_unwritable(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    assert main(["serve", "--state-dir", str(blocker), "--json"]) == 2
    document = _error_document(capsys)
    assert document["file"] == f"--state-dir {blocker}"
    assert document["error"]["kind"] == "unwritable"


def test_a_symbolic_link_in_the_state_dir_is_never_written_through(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    state = tmp_path / "state"
    state.mkdir()
    elsewhere = tmp_path / "elsewhere.pem"
    (state / "ca.pem").symlink_to(elsewhere)
    assert main(["serve", *_key_files(tmp_path), "--state-dir", str(state), "--json"]) == 2
    document = _error_document(capsys)
    assert document["file"] == f"--state-dir {state}"
    assert document["error"]["kind"] == "unwritable"
    assert "symbolic link" in document["error"]["message"]
    assert not elsewhere.exists()


def test_a_missing_data_dir_is_unreadable(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "no-data"
    assert main(["serve", "--data", str(missing), "--json"]) == 2
    document = _error_document(capsys)
    assert document["file"] == f"--data {missing}"
    assert document["error"]["kind"] == "unreadable"


@pytest.mark.parametrize("spec", ["{key}=a.example.org,,b.example.org", "{key}", "={key}"])
def test_malformed_admit_options_are_usage_errors(
    spec: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    public = tmp_path / "public.pem"
    public.write_bytes(public_key_pem(key(3).public_key))
    assert main(["serve", "--admit", spec.format(key=public), "--json"]) == 2
    document = _error_document(capsys)
    assert document["file"] is None
    assert document["error"]["kind"] == "usage"
    assert "KEYFILE=HEI[,HEI...] or KEYFILE=" in document["error"]["message"]


@pytest.mark.parametrize(
    "argv",
    [
        ["--cnr-expiry", "0"],
        ["--cnr-expiry", "soon"],
        ["--peer", "not-a-url"],
        ["--peer", "https://peer.test/catalogue-v1.xml="],
        ["--registry-url", "ftp://registry.test/catalogue.xml"],
    ],
    ids=["expiry-zero", "expiry-text", "peer-not-a-url", "peer-no-ca", "registry-not-http"],
)
def test_bad_db_peer_and_delivery_options_are_refused_at_start(
    argv: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    state = tmp_path / "state"
    assert main(["serve", *argv, "--state-dir", str(state), "--json"]) == 2
    document = _error_document(capsys)
    assert argv[1] in document["error"]["message"] or argv[0] in str(document["file"])
    assert not list(state.glob("*.db*"))


@pytest.mark.parametrize("option", ["--trust-ca", "--peer"])
def test_a_ca_file_that_holds_no_certificate_is_named(
    option: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bogus = tmp_path / "ca.pem"
    bogus.write_text("not a certificate\n")
    value = str(bogus) if option == "--trust-ca" else f"https://peer.test/catalogue-v1.xml={bogus}"
    assert main(["serve", option, value, "--json"]) == 2
    document = _error_document(capsys)
    assert document["file"] == f"{option} {value}"
    assert document["error"]["kind"] == "not-a-certificate"


def test_the_start_up_lines_name_the_database_and_the_peers(tmp_path: Path) -> None:
    """Without --json: a ``db:`` line says whether the data set seeded it; a ``peer:`` line."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("EWP_")}
    db = tmp_path / "node.db"
    peer = "https://127.0.0.1:9/catalogue-v1.xml"
    lines: list[list[str]] = []
    options = [*_key_files(tmp_path), "--db", str(db), "--peer", peer]
    for _ in range(2):
        process = subprocess.Popen(
            [sys.executable, "-m", "ewp_mock", "serve", *options],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
            cwd=ROOT,
            env=env,
        )
        assert process.stdout is not None
        printed = []
        for line in process.stdout:
            printed.append(line.rstrip("\n"))
            if printed[-1] == "ready":
                break
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=20) == 0
        lines.append(printed)
    first, second = ([line for line in p if line.startswith(("db:", "peer:"))] for p in lines)
    assert first[0].startswith(
        f"db:        {db}: a new or empty database: seeded with the data set"
    )
    assert second[0].startswith(f"db:        {db}: the database holds data: using it as it is")
    assert first[1] == second[1] == f"peer:      {peer}: waiting for it"


# ------------------------------------------------------------------------------ --data


@pytest.fixture(scope="module")
def fixtures(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo data set written as a fixture directory."""
    directory = tmp_path_factory.mktemp("data")
    dump_dataset(demo_dataset(), directory, overwrite=True)
    return directory


def test_a_data_dir_is_loaded_at_start_and_its_heis_served(fixtures: Path, tmp_path: Path) -> None:
    running = start(*_key_files(tmp_path), "--data", str(fixtures))
    try:
        assert running.document["data_dir"] == str(fixtures)
        assert running.document["hei_ids"] == list(demo_dataset().hei_ids)
        assert running.document["data"]["source"] == "directory"
        assert running.document["data"]["directory"] == str(fixtures)
        assert running.document["data"]["hei_ids"] == [UNI_A, UNI_B]
        assert running.document["data"]["bare_hei_ids"] == []
    finally:
        assert running.stop() == 0


def test_a_data_dirs_iias_are_served_to_the_partner_named_in_them(
    fixtures: Path, tmp_path: Path
) -> None:
    caller = tmp_path / "caller.pem"
    caller.write_bytes(public_key_pem(key(3).public_key))
    running = start(*_key_files(tmp_path), "--data", str(fixtures), "--admit", f"{caller}={UNI_B}")
    try:
        trust = running.trust()
        with (
            RegistryClient(running.document["catalogue"], timeout=10.0, verify=trust) as registry,
            EwpClient(registry, key=key(3), http=httpx.Client(verify=trust)) as client,
        ):
            iias = IiasClient(client)
            ids = iias.index(UNI_A)
            copies = iias.get(UNI_A, ids)
    finally:
        assert running.stop() == 0
    served = {s.iia.partners[0].iia_id for s in demo_dataset().served_iias(UNI_A)}
    assert ids
    assert set(ids) <= served
    assert sorted(c.iia_id or "" for c in copies) == sorted(ids)


def test_a_bad_fixture_file_is_refused_at_start_naming_the_file(
    fixtures: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    broken = tmp_path / "broken"
    shutil.copytree(fixtures, broken)
    bad = next(iter(sorted((broken / IIAS_DIR).rglob("*.xml"))))
    bad.write_bytes(b"this is not XML\n")
    assert main(["serve", "--data", str(broken), "--json"]) == 2
    document = _error_document(capsys)
    assert document["file"] == str(bad)
    assert document["error"]["kind"] == "malformed-xml"
    assert document["error"]["line"] == 1
    assert document["error"]["message"].startswith("not well-formed XML")
    assert str(bad) not in document["error"]["message"]


def test_a_stop_signal_while_starting_is_a_clean_stop(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    opened: list[StateDir] = []
    open_state_dir = StateDir.open

    def recording(path: Path | None) -> StateDir:
        opened.append(open_state_dir(path))
        return opened[-1]

    def signalled_while_binding(host: str, port: int) -> Any:
        signal.raise_signal(signal.SIGTERM)
        raise AssertionError("the signal did not stop the start")

    monkeypatch.setattr(StateDir, "open", recording)
    monkeypatch.setattr("ewp_mock.cli.bind_socket", signalled_while_binding)
    handler = signal.getsignal(signal.SIGTERM)
    assert main(["serve", *_key_files(tmp_path)]) == 0
    assert signal.getsignal(signal.SIGTERM) is handler
    (state,) = opened
    assert state.temporary
    assert not state.path.exists()
