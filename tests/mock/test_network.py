"""A network of mock nodes: one shared catalogue, in process and on loopback sockets with TLS.

Every node's catalogue lists the whole network (each node's HEI, APIs, client and
server keys), so each node's outgoing client finds and trusts the others, and each
node verifies the requests the others sign. In process, requests reach the apps
through the network's transport; on loopback, through real TLS sockets whose
certificates one network CA issued.
"""

from __future__ import annotations

import dataclasses
import ssl
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from ewp_client import AsyncLasClient
from ewp_client.clock import ManualClock, SystemClock
from ewp_client.cnr import CnrKind, EntryState, OutgoingNotification
from ewp_client.errors import ConfigError
from ewp_client.namespaces import OMOBILITY_LA_CNR_API
from ewp_client.ola import VersionStatus
from ewp_mock.data import UNI_A, UNI_B, demo_dataset
from ewp_mock.demo_flow import demo_iia
from ewp_mock.network import MockNetwork, NodeSpec
from ewp_mock.refresh import RefreshOutcome
from ewp_mock.store import SqliteState
from tests.mock.conftest import key
from tests.mock.test_actions import LA_ID, publish, reject, specs
from tests.mock.test_clock_and_outbox import PENDING, approve_as_b, cnrs_at_b, la_cnr, two_nodes

START = datetime(2026, 10, 1, 9, 0, tzinfo=UTC)


def test_every_node_publishes_the_whole_network_in_its_catalogue() -> None:
    network = two_nodes(ManualClock(START))
    a, b = network["a"], network["b"]
    for entry in (a, b):
        catalogue = entry.node.catalogue
        assert {h for host in catalogue.hosts for h in host.hei_ids} >= {UNI_A, UNI_B}
        assert catalogue.find_api(UNI_B, OMOBILITY_LA_CNR_API).entry.properties
        b_client = catalogue.client_key(b.config.client_key.key_id)
        assert b_client is not None
        assert b_client.hei_ids == frozenset({UNI_B})
    shared = network.catalogue
    for entry in (a, b):
        assert shared.client_key(entry.config.client_key.key_id) is not None
        assert shared.public_key(entry.config.server_key.key_id) is not None
    assert a.url == "https://a.test"
    assert b.url == "https://b.test"
    assert a.node.peer_heis == (UNI_B,)


def test_names_and_heis_must_not_repeat_and_a_peer_cannot_serve_our_hei() -> None:
    with pytest.raises(ConfigError, match="names repeat"):
        MockNetwork([NodeSpec("a", (UNI_A,)), NodeSpec("a", (UNI_B,))])
    with pytest.raises(ConfigError, match="served by two nodes"):
        MockNetwork([NodeSpec("a", (UNI_A,)), NodeSpec("b", (UNI_A.upper(),))])
    with pytest.raises(ConfigError, match="host name label"):
        NodeSpec("A b", (UNI_A,))
    with pytest.raises(ConfigError, match="sets"):
        NodeSpec("a", (UNI_A,), settings={"base_url": "https://x.test"})
    network = two_nodes(ManualClock(START))
    with pytest.raises(ConfigError, match="served by this node"):
        network.node("a").add_peer(network.node("a").manifests)
    with pytest.raises(KeyError):
        network.intercept("c", None)
    with pytest.raises(ConfigError, match="cannot be advanced"):
        MockNetwork([NodeSpec("a", (UNI_A,))], clock=SystemClock()).advance(START - START)


async def test_a_request_for_a_host_outside_the_network_is_a_refused_connection() -> None:
    network = two_nodes(ManualClock(START))
    async with network, network.http() as http:
        with pytest.raises(httpx.ConnectError):
            await http.get("https://elsewhere.test/catalogue-v1.xml")
        answer = await http.get("https://b.test/catalogue-v1.xml")
    assert answer.status_code == 200


async def test_a_notification_to_a_hei_outside_the_network_fails_for_good() -> None:
    network = two_nodes(ManualClock(START))
    async with network:
        outbox = network.node("a").outbox
        outbox.enqueue(OutgoingNotification.la("nowhere.example.org", UNI_A, "om-1"))
        await network.idle()
        (entry,) = outbox.entries(kind=CnrKind.LA)
    assert entry.state is EntryState.FAILED
    assert entry.attempts[0].error is not None
    assert entry.attempts[0].error.value == "no-endpoint"


async def test_two_nodes_on_loopback_tls_sockets_deliver_an_la_cnr() -> None:
    dataset = demo_dataset()
    specs = [
        NodeSpec("a", (UNI_A,), dataset, {"server_key": key(1), "client_key": key(2)}),
        NodeSpec("b", (UNI_B,), dataset, {"server_key": key(3), "client_key": key(4)}),
    ]
    async with MockNetwork.loopback(specs, clock=ManualClock(START)) as network:
        a, b = network["a"], network["b"]
        assert a.url.startswith("https://127.0.0.1:")
        assert b.url.startswith("https://127.0.0.1:")
        assert a.url != b.url
        async with httpx.AsyncClient(verify=False) as plain:
            with pytest.raises(httpx.TransportError):  # TLS only: plain HTTP is dropped
                await plain.get(a.url.replace("https://", "http://") + "/catalogue-v1.xml")
        ca = a.config.trusted_cas[0]
        context = ssl.create_default_context(cafile=str(ca))
        async with httpx.AsyncClient(verify=context) as tls:
            assert (await tls.get(f"{b.url}/catalogue-v1.xml")).status_code == 200
        await approve_as_b(network)
        await network.idle()
        assert la_cnr(network).state is EntryState.DELIVERED
        assert cnrs_at_b(network) == [(UNI_A, (PENDING,))]
        async with network.client("b") as client:
            la = await AsyncLasClient(client).get_one(UNI_A, PENDING)
        assert la is not None
        assert la.changes_proposal is None


async def test_idle_waits_for_the_refreshes_the_cnrs_trigger() -> None:
    network = two_nodes(ManualClock(START))
    assert network.actions("b") is network.node("b").actions
    async with network:
        network.node("a").notify(OutgoingNotification.iia(UNI_B, "a-iia-4"))
        await network.idle()
        assert not network.actions("b").refresher.busy
        (record,) = network.actions("b").refreshes
    assert record.outcome is RefreshOutcome.REFRESHED
    assert network.actions("b").partner_copies(UNI_B).get(UNI_A, "a-iia-4") is not None


async def test_an_ola_rejection_flows_over_loopback_tls_from_b_to_a() -> None:
    async with MockNetwork.loopback(specs(), clock=ManualClock(START)) as network:
        await publish(network, "b", "a")
        await reject(network, "b", "a", "Not offered this term.")
        copy = network.actions("a").received_la(UNI_A, UNI_B, LA_ID)
        state = network.actions("b").la(UNI_B, LA_ID)
    assert copy is not None
    assert copy.status is VersionStatus.REJECTED
    assert state is not None
    assert state.status is VersionStatus.REJECTED


# ------------------------------------------------------------ nodes over databases


def over(databases: dict[str, SqliteState]) -> list[NodeSpec]:
    """The two nodes of :func:`specs`, each kept in its database."""
    return [dataclasses.replace(spec, state=databases[spec.name]) for spec in specs()]


async def test_a_node_over_sqlite_restarted_keeps_its_iias_and_the_cnrs_it_owes(
    tmp_path: Path,
) -> None:
    paths = {name: tmp_path / f"{name}.db" for name in ("a", "b")}
    databases = {name: SqliteState.open(path) for name, path in paths.items()}
    try:
        async with MockNetwork(over(databases), clock=ManualClock(START)) as network:
            network.intercept("b", lambda request: httpx.Response(503))
            network.actions("a").create_iia(demo_iia(UNI_A, "kept-iia", UNI_B))
            await network.idle()
            (owed,) = network.node("a").outbox.entries("kept-iia", kind=CnrKind.IIA)
            assert owed.state is EntryState.PENDING
            assert network.actions("b").partner_copies(UNI_B).get(UNI_A, "kept-iia") is None
            before = network.node("a")

            await network.stop_node("a")
            with pytest.raises(httpx.ConnectError, match="stopped"):
                async with network.http() as http:
                    await http.get(f"{network['a'].url}/catalogue-v1.xml")
            databases["a"].close()
            databases["a"] = SqliteState.open(paths["a"])
            network.intercept("b", None)
            restarted = await network.restart("a", state=databases["a"])

            assert restarted.node is network.node("a") is not before
            assert restarted.url == "https://a.test"
            served = network.actions("a").served(UNI_A, "kept-iia")
            assert served is not None  # the IIA came back from a.db
            await network.idle()
            (sent,) = network.node("a").outbox.entries("kept-iia", kind=CnrKind.IIA)
            assert (sent.state, sent.revision) == (EntryState.DELIVERED, owed.revision)
            held = network.actions("b").partner_copies(UNI_B).get(UNI_A, "kept-iia")
            assert held is not None  # the CNR owed before the restart reached b
            assert held.iia_hash == served.iia_hash
    finally:
        for database in databases.values():
            database.close()


async def test_restarting_needs_the_in_process_network() -> None:
    async with MockNetwork.loopback(specs(), clock=ManualClock(START)) as network:
        with pytest.raises(ConfigError, match="needs the in-process network"):
            await network.stop_node("a")
        with pytest.raises(ConfigError, match="needs the in-process network"):
            await network.restart("a")
