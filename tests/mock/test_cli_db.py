"""``ewp-mock serve --db FILE`` and ``--peer``, as real processes on 127.0.0.1 over TLS.

* a node restarted over its database keeps an LA approved through ``update``
  and the keys admitted before;
* the data set seeds only a new database; one holding data is used as it is,
  and the node says so;
* another program's database, a truncated one and a read-only one are refused
  (exit 2, the file named) and left byte for byte as they were;
* a node killed with SIGKILL while its partner's CNR endpoint fails (503, or
  holding the request: the delivery on its way) loses neither the approvals
  nor the notifications: restarted, it delivers them once the partner answers;
* two nodes introduced to each other with ``--peer`` exchange a signed LA CNR.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import socket
import sqlite3
import stat
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.types import Receive, Scope, Send

from ewp_client.client import EwpClient, LasClient
from ewp_client.client.las import Signer
from ewp_client.models import LearningAgreement
from ewp_client.registry import RegistryClient
from ewp_client.security import private_key_pem
from ewp_mock import MockConfig, create_app, node_of_app
from ewp_mock.app import prepare_tls
from ewp_mock.cli import main
from ewp_mock.data import UNI_A, UNI_B, demo_dataset
from ewp_mock.data.fixtures import dump_dataset
from ewp_mock.exchange_log import ExchangeLog
from ewp_mock.node import MockNode
from ewp_mock.server import MockServer, bind_socket
from ewp_mock.state_dir import StateDir

from .conftest import key
from .test_cli_serve import Node, _key_files, _public_key_file, start

PARTNER = 5
#: uni-b's node keys in the two-node tests (server, client).
B_SERVER, B_CLIENT = 7, 8
SIGNER = Signer(
    name="Bruno Rossi",
    position="Erasmus+ coordinator",
    email="bruno.rossi@uni-b.example",
    timestamp=datetime(2026, 9, 25, 10, 0, tzinfo=UTC),
    app="ewp_client tests",
)
PENDING_LAS = ("la-changes-pending", "la-awaiting")


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def wait_until(check: Any, what: str, timeout: float = 30.0) -> None:
    """Poll ``check()`` until true; fail naming ``what`` after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.05)
    pytest.fail(f"gave up waiting for {what}")


def las_client(node: Node, n: int = PARTNER) -> tuple[RegistryClient, EwpClient]:
    trust = node.trust()
    registry = RegistryClient(node.document["catalogue"], timeout=10.0, verify=trust)
    return registry, EwpClient(registry, key=key(n), http=httpx.Client(verify=trust))


def approve(node: Node, omobility_ids: tuple[str, ...]) -> None:
    """The receiving HEI (uni-b's key) approves each LA's pending proposal at ``node``."""
    registry, client = las_client(node)
    with registry, client:
        las = LasClient(client)
        for omobility_id in omobility_ids:
            found = las.get_one(UNI_A, omobility_id)
            assert found is not None
            assert found.changes_proposal is not None
            las.approve(UNI_A, omobility_id, found.changes_proposal.id, SIGNER)


def statuses(node: Node, omobility_ids: tuple[str, ...]) -> dict[str, bool]:
    """Whether each LA reads as approved by :data:`SIGNER` (``get`` by uni-b's key)."""
    registry, client = las_client(node)
    with registry, client:
        got = LasClient(client).get(UNI_A, list(omobility_ids))
    return {la.omobility_id: _signed_by_us(la) for la in got}


def _signed_by_us(la: LearningAgreement) -> bool:
    """No proposal pending, and the version in force carries our SIGNER's signature."""
    in_force = la.approved_changes or la.first_version
    return (
        la.changes_proposal is None
        and in_force is not None
        and in_force.receiving_hei_signature == SIGNER.signature()
    )


def serve_options(directory: Path, db: Path, *extra: str) -> list[str]:
    return [
        *_key_files(directory),
        "--state-dir",
        str(directory / "state"),
        "--db",
        str(db),
        "--admit",
        f"{_public_key_file(directory, PARTNER)}={UNI_B}",
        *extra,
    ]


# ------------------------------------------------------------------ restarts


def test_a_restarted_node_keeps_an_approved_la_and_the_keys_it_admitted(tmp_path: Path) -> None:
    db = tmp_path / "node.db"
    first = start(*serve_options(tmp_path, db))
    try:
        assert first.document["db"]["created"] is True
        assert first.document["db"]["seeded"] is True
        approve(first, ("la-changes-pending",))
        assert statuses(first, ("la-changes-pending",)) == {"la-changes-pending": True}
    finally:
        assert first.stop() == 0
    # Started again without --admit: the key admitted before still reads, the LA stays approved.
    second = start(*_key_files(tmp_path), "--state-dir", str(tmp_path / "state"), "--db", str(db))
    try:
        assert second.document["db"]["used_as_is"] is True
        assert second.document["admitted"] == []
        assert statuses(second, ("la-changes-pending",)) == {"la-changes-pending": True}
    finally:
        assert second.stop() == 0


def test_the_data_set_seeds_only_a_new_database_and_the_node_says_it_uses_one_with_data(
    tmp_path: Path,
) -> None:
    db = tmp_path / "node.db"
    first = start(*serve_options(tmp_path, db))
    try:
        seeded = first.document["db"]["counts"]
        assert seeded["las"] > 0
    finally:
        first.stop()
    other = tmp_path / "other-data"
    dump_dataset(demo_dataset().only([UNI_B]), other, overwrite=True)
    second = start(*serve_options(tmp_path, db, "--data", str(other), "--hei", UNI_A))
    try:
        document = second.document["db"]
        assert document["seeded"] is False
        assert document["used_as_is"] is True
        assert document["counts"] == seeded
        assert "using it as it is" in document["message"]
        # What the database holds is served, not the data set given.
        assert statuses(second, ("la-changes-pending",)) == {"la-changes-pending": False}
    finally:
        second.stop()


# ------------------------------------------------------------------ refusals


def _foreign(path: Path) -> None:
    with sqlite3.connect(path) as connection:
        connection.execute("CREATE TABLE invoices (id INTEGER PRIMARY KEY, total REAL)")
        connection.execute("INSERT INTO invoices (total) VALUES (12.5)")
    connection.close()


def _ours(path: Path) -> None:
    from ewp_mock.store import SqliteState

    with SqliteState.open(path) as state:
        state.seed(demo_dataset().only([UNI_A]))


def _truncated(path: Path) -> None:
    _ours(path)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def _read_only(path: Path) -> None:
    _ours(path)
    path.chmod(stat.S_IRUSR | stat.S_IRGRP)


@pytest.mark.parametrize(
    ("make", "kind", "words"),
    [
        (_foreign, "db-foreign", "another program"),
        (_truncated, "db-corrupt", ""),
        (_read_only, "unwritable", "read-only"),
    ],
    ids=["another-program", "truncated", "read-only"],
)
def test_a_database_the_node_cannot_use_is_refused_by_name_and_left_as_it_was(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], make: Any, kind: str, words: str
) -> None:
    db = tmp_path / "their.db"
    make(db)
    before = sha256(db)
    names = sorted(p.name for p in tmp_path.iterdir())
    assert main(["serve", "--json", "--db", str(db), "--state-dir", str(tmp_path / "s")]) == 2
    captured = capsys.readouterr()
    document = json.loads(captured.out)
    assert document["file"] == f"--db {db}"
    assert document["error"]["kind"] == kind
    assert words in document["error"]["message"]
    assert f"--db {db}:" in captured.err
    assert "Traceback" not in captured.err
    assert sha256(db) == before
    assert sorted(p.name for p in tmp_path.iterdir() if p.name != "s") == names  # no -wal left


# ------------------------------------------------------------------ kill -9


@dataclass
class Gate:
    """uni-b's node, its change-notification endpoints failing while ``down``.

    They answer 503 at once, or (``hang``) hold the request until the gate
    opens, so that the caller's delivery is still on its way (leased).
    """

    app: Any
    down: bool = True
    hang: bool = False
    refused: list[str] = field(default_factory=list)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and self.down and "-cnr/" in scope["path"]:
            self.refused.append(scope["path"])
            while self.hang and self.down:
                await asyncio.sleep(0.05)
            await send({"type": "http.response.start", "status": 503, "headers": []})
            await send({"type": "http.response.body", "body": b""})
            return
        await self.app(scope, receive, send)


@pytest.fixture
def uni_b(tmp_path: Path) -> Iterator[tuple[MockNode, Gate, str, Path]]:
    """uni-b in this process over TLS: its node, gate, catalogue URL and CA file.

    It verifies the requests of the ``--db`` node's client key (key 2) for uni-a.
    """
    state = StateDir.open(tmp_path / "b-state")
    sock = bind_socket("127.0.0.1", 0)
    config = MockConfig(
        hei_ids=(UNI_B,),
        port=sock.getsockname()[1],
        server_key=key(B_SERVER),
        client_key=key(B_CLIENT),
    )
    app = create_app(config, demo_dataset())
    node = node_of_app(app)
    node.register_client(key(2).public_key, [UNI_A])
    tls = prepare_tls(config, state)
    gate = Gate(ExchangeLog(app))
    with MockServer(gate, sock, tls=tls):
        yield node, gate, config.url("/catalogue-v1.xml"), state.file("ca.pem")
    state.close()


def la_cnrs(node: MockNode, omobility_id: str) -> int:
    return sum(
        1 for r in node.received if r.sending_hei_id == UNI_A and omobility_id in r.object_ids
    )


@pytest.mark.parametrize("hang", [False, True], ids=["partner-answers-503", "partner-hangs"])
def test_a_node_killed_during_deliveries_delivers_every_notification_after_a_restart(
    tmp_path: Path, uni_b: tuple[MockNode, Gate, str, Path], hang: bool
) -> None:
    b, gate, b_catalogue, b_ca = uni_b
    gate.hang = hang
    db = tmp_path / "a.db"
    options = serve_options(tmp_path, db, "--peer", f"{b_catalogue}={b_ca}")
    a = start(*options)
    try:
        assert [p["introduced"] for p in a.document["peers"]] == [True]
        assert a.document["peers"][0]["hei_ids"] == [UNI_B]
        approve(a, PENDING_LAS)
        wait_until(lambda: gate.refused, "a's first attempt to notify uni-b")
    finally:
        a.process.kill()  # SIGKILL: no shutdown, the outbox is left as the last commit wrote it
        a.process.wait(timeout=20)
    assert all(la_cnrs(b, o) == 0 for o in PENDING_LAS)

    gate.down = False
    again = start(*options)
    try:
        assert again.document["db"]["used_as_is"] is True
        assert again.document["db"]["pending_notifications"] == len(PENDING_LAS)
        wait_until(
            lambda: all(la_cnrs(b, o) >= 1 for o in PENDING_LAS), "uni-b to receive the LA CNRs"
        )
        assert statuses(again, PENDING_LAS) == dict.fromkeys(PENDING_LAS, True)
    finally:
        assert again.stop() == 0
    assert {o: la_cnrs(b, o) for o in PENDING_LAS} == dict.fromkeys(PENDING_LAS, 1)
    assert all(r.key_id == key(2).key_id for r in b.received)


# ------------------------------------------------------------------ --peer


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def _b_key_files(directory: Path) -> list[str]:
    server = directory / "b-server.pem"
    client = directory / "b-client.pem"
    server.write_bytes(private_key_pem(key(B_SERVER).private_key))
    client.write_bytes(private_key_pem(key(B_CLIENT).private_key))
    return ["--server-key", str(server), "--client-key", str(client)]


def test_two_nodes_introduced_with_peer_exchange_a_signed_la_cnr(tmp_path: Path) -> None:
    port_a, port_b = free_port(), free_port()
    catalogue = "https://127.0.0.1:{}/catalogue-v1.xml"
    a_dir, b_dir = tmp_path / "a", tmp_path / "b"
    a_dir.mkdir()
    b_dir.mkdir()
    # Each names the other's CA file before it exists: the peer not up yet is tried again.
    a = start(
        *serve_options(a_dir, a_dir / "a.db"),
        "--port",
        str(port_a),
        "--peer",
        f"{catalogue.format(port_b)}={b_dir / 'state' / 'ca.pem'}",
    )
    b = None
    try:
        assert a.document["peers"][0]["introduced"] is False
        assert "not introduced yet" in " ".join(a.document["warnings"])
        b = start(
            *_b_key_files(b_dir),
            "--state-dir",
            str(b_dir / "state"),
            "--hei",
            UNI_B,
            "--port",
            str(port_b),
            "--peer",
            f"{catalogue.format(port_a)}={a_dir / 'state' / 'ca.pem'}",
        )
        assert b.document["peers"][0]["introduced"] is True
        assert b.document["peers"][0]["hei_ids"] == [UNI_A]
        a.wait_for_log(f"peer {catalogue.format(port_b)} introduced: {UNI_B}")
        approve(a, ("la-changes-pending",))
        # a notifies uni-b; b verifies a's client key (from a's catalogue) and answers 200.
        line = b.wait_for_log(f"path=/ewp/la-cnr/{UNI_B} status=200")[0]
        assert f"key={key(2).key_id} verdict=ok response=signed" in line
    finally:
        assert a.stop() == 0
        if b is not None:
            assert b.stop() == 0


# ------------------------------------------------------------------ TLS across restarts


def test_a_kept_state_dir_keeps_its_ca_so_peers_still_trust_a_restarted_node(
    tmp_path: Path,
) -> None:
    config = MockConfig(port=8443, server_key=key(1), client_key=key(2))
    kept = StateDir.open(tmp_path / "kept")
    prepare_tls(config, kept)
    ca = kept.file("ca.pem").read_bytes()
    certificate = kept.file("tls-certificate.pem").read_bytes()
    assert prepare_tls(config, kept) is not None
    assert kept.file("ca.pem").read_bytes() == ca
    assert kept.file("tls-certificate.pem").read_bytes() == certificate
    # Another public host than the certificate names: a new CA and certificate.
    prepare_tls(MockConfig(port=8443, base_url="https://mock.test:8443"), kept)
    assert kept.file("ca.pem").read_bytes() != ca
    # A certificate that another CA issued is not kept either.
    moved = kept.file("ca.pem").read_bytes()
    other = StateDir.open(tmp_path / "other")
    prepare_tls(config, other)
    kept.file("ca.pem").write_bytes(other.file("ca.pem").read_bytes())
    prepare_tls(config, kept)
    assert kept.file("ca.pem").read_bytes() not in (moved, other.file("ca.pem").read_bytes())
    # A temporary state directory always gets a fresh one.
    temporary = StateDir.open(None)
    try:
        prepare_tls(config, temporary)
        first = temporary.file("ca.pem").read_bytes()
        prepare_tls(config, temporary)
        assert temporary.file("ca.pem").read_bytes() != first
    finally:
        temporary.close()
