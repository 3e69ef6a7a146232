"""The inspector's feed and page, in process: verdicts, masking, scenarios, known issues, CORS.

The feed (``GET /_mock/inspector/exchanges?since=``) answers what the node's
ring holds: an LA read with its signature and schema verdicts, the student's
name and birth date masked unless the node keeps personal data; an answer a
fault scenario altered names the scenario; a node whose partner answered its
change notification unsigned names the known issue on its sent exchange. A
page of another loopback origin may read it (CORS); no other origin may. The
page loads nothing but itself and the feeds of the node and its peers.
"""

from __future__ import annotations

import functools
import json
import re
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from ewp_client import EchoClient, LasClient
from ewp_client.clock import ManualClock
from ewp_client.errors import EwpError
from ewp_mock import faults_of
from ewp_mock.data import UNI_A, UNI_B, demo_dataset
from ewp_mock.demo_flow import demo_iia
from ewp_mock.faults import Scenario, ScenarioRegistry
from ewp_mock.network import MockNetwork, NodeSpec
from ewp_mock.refresh import RefreshOutcome
from ewp_mock.routes import echo as echo_route
from ewp_mock.routes import las as las_route
from ewp_mock.testing import Partner, PartnerKeys
from tests.mock.conftest import key

START = datetime(2026, 10, 1, 9, 0, tzinfo=UTC)
#: The demo's approved LA (uni-a to uni-b): "Demo Student 4", born on 4 January 2004.
LA_ID = "la-approved"
PERSONAL = ("Student 4", "2004-01-04")
FEED = "/_mock/inspector/exchanges"
CONTROL = {"control": True}


@functools.cache
def keys() -> PartnerKeys:
    return PartnerKeys.generate()


def feed(partner: Partner, since: int = 0, **headers: str) -> httpx.Response:
    return partner.http().get(f"{partner.url}{FEED}", params={"since": since}, headers=headers)


def one(exchanges: list[dict[str, Any]], direction: str, path: str) -> dict[str, Any]:
    found = [e for e in exchanges if e["direction"] == direction and path in e["url"]]
    assert len(found) == 1, [(e["direction"], e["url"]) for e in exchanges]
    return found[0]


@pytest.mark.parametrize("keep", [False, True], ids=["masked", "kept"])
def test_the_feed_shows_an_la_read_with_its_verdicts_masked_unless_kept(keep: bool) -> None:
    with Partner.in_process(keys=keys(), keep_personal_data=keep) as partner:
        (la,) = LasClient(partner.client()).get(UNI_A, [LA_ID])
        assert la.student is not None
        assert la.student.family_name == PERSONAL[0]
        answer = feed(partner)
        later = feed(partner, since=answer.json()["latest"])
    assert answer.status_code == 200
    assert answer.headers["cache-control"] == "no-store"
    document = answer.json()
    assert document["node"]["url"] == partner.url
    assert document["personal_data"] == ("kept" if keep else "masked")
    seqs = [e["seq"] for e in document["exchanges"]]
    assert seqs == sorted(seqs)
    assert document["latest"] == seqs[-1]
    read = one(document["exchanges"], "in", las_route.GET_PATH)
    assert (read["status"], read["verdict"], read["request_signature"]) == (200, "ok", "verified")
    assert read["response_signed"] is True
    assert read["response_schema"]["verdict"] == "valid"
    assert read["response_schema"]["document"] == "omobility-las-get-response"
    assert read["scenarios"] == []
    assert read["known_issue"] is None
    assert LA_ID in read["response_body"]
    for personal in PERSONAL:
        assert (personal in answer.text) is keep
    assert later.json()["exchanges"] == []  # the inspector's own reads are not recorded


def test_the_feed_names_the_scenario_that_altered_an_answer() -> None:
    with Partner.in_process(keys=keys(), scenarios=["httpsig-response-unsigned"]) as partner:
        with pytest.raises(EwpError) as caught:
            EchoClient(partner.client()).echo(UNI_A)
        exchanges = feed(partner).json()["exchanges"]
    echo = one(exchanges, "in", echo_route.PATH)
    assert echo["scenarios"] == ["httpsig-response-unsigned"]
    assert echo["response_signed"] is False
    assert caught.value.known_issue == "httpsig-response-unsigned"
    catalogue = one(exchanges, "in", "/catalogue")
    assert catalogue["scenarios"] == []


def specs(**b_settings: Any) -> list[NodeSpec]:
    dataset = demo_dataset()
    return [
        NodeSpec("a", (UNI_A,), dataset, {"server_key": key(1), "client_key": key(2), **CONTROL}),
        NodeSpec(
            "b",
            (UNI_B,),
            dataset,
            {"server_key": key(3), "client_key": key(4), **CONTROL, **b_settings},
        ),
    ]


async def test_a_sent_exchange_names_the_known_issue_its_client_diagnosed() -> None:
    network = MockNetwork(specs(scenarios=("httpsig-response-unsigned",)), clock=ManualClock(START))
    async with network:
        network.actions("a").create_iia(demo_iia(UNI_A, "feed-iia-1", UNI_B))
        await network.idle()
        sent = network.node("a").exchanges.as_json()
        received = network.node("b").exchanges.as_json()
    cnr_out = one(sent, "out", "/iia-cnr")
    assert cnr_out["status"] == 200
    assert cnr_out["response_signed"] is False
    assert cnr_out["known_issue"] == "httpsig-response-unsigned"
    cnr_in = one(received, "in", "/iia-cnr")
    assert cnr_in["scenarios"] == ["httpsig-response-unsigned"]
    assert all(e["known_issue"] is None for e in sent if e is not cnr_out)


async def test_a_refresh_failure_names_the_known_issue_on_the_fetch() -> None:
    network = MockNetwork(specs(), clock=ManualClock(START))
    async with network:
        faults_of(network.app("a")).use(_scenarios("httpsig-response-unsigned"))
        network.actions("a").create_iia(demo_iia(UNI_A, "feed-iia-2", UNI_B))
        await network.idle()
        sent = network.node("b").exchanges.as_json()
        served = network.node("a").exchanges.as_json()
    fetch = one(sent, "out", "/get?iia_id=feed-iia-2")
    assert fetch["response_signed"] is False
    assert fetch["known_issue"] == "httpsig-response-unsigned"
    assert one(served, "in", "/get?iia_id=")["scenarios"] == ["httpsig-response-unsigned"]
    (record,) = network.actions("b").refreshes
    assert record.outcome is RefreshOutcome.FAILED


def _scenarios(*names: str) -> tuple[Scenario, ...]:
    return ScenarioRegistry.load(()).resolve(names)


def test_the_feed_lets_loopback_pages_read_it_and_no_other_origin() -> None:
    with Partner.in_process(keys=keys()) as partner:
        loopback = feed(partner, origin="https://127.0.0.1:8443")
        localhost = feed(partner, origin="http://localhost:9000")
        foreign = feed(partner, origin="https://evil.example")
        sneaky = feed(partner, origin="https://127.0.0.1.evil.example")
    assert loopback.headers["access-control-allow-origin"] == "https://127.0.0.1:8443"
    assert localhost.headers["access-control-allow-origin"] == "http://localhost:9000"
    for refused in (foreign, sneaky):
        assert refused.status_code == 200
        assert "access-control-allow-origin" not in refused.headers


async def test_the_page_loads_nothing_but_the_feeds_of_the_node_and_its_peers() -> None:
    async with MockNetwork(specs(), clock=ManualClock(START)) as network:
        app = network.app("a")
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url=network["a"].url
        ) as http:
            page = await http.get("/_mock/inspector", params={"node": "https://127.0.0.1:9"})
            nodes = (await http.get("/_mock/inspector/nodes")).json()["nodes"]
            clean = network.node("a").exchanges.as_json()
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    policy = page.headers["content-security-policy"]
    assert "default-src 'none'" in policy
    connect = re.search(r"connect-src ([^;]+);", policy)
    assert connect is not None
    assert connect.group(1).split() == ["'self'", "https://127.0.0.1:9", network["b"].url]
    assert not re.search(r"""(src|href)\s*=\s*["']?https?:""", page.text)
    island = re.search(r'id="inspector-config">([^<]*)</script>', page.text)
    assert island is not None
    shown = json.loads(island.group(1))["nodes"]
    assert [n["name"] for n in shown] == [UNI_A, UNI_B, "https://127.0.0.1:9"]
    assert shown[0]["feed"] == FEED
    assert shown[1]["feed"] == f"{network['b'].url}{FEED}"
    assert [n["name"] for n in nodes] == [UNI_A, UNI_B]
    assert clean == []  # the page and the node list are not exchanges of the node
