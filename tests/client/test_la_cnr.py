"""OMobility LA CNR v1.1: notifying the receiving HEI, answering, and the incoming-LA stats.

The partner here is the receiving HEI. Notifications and the incoming-LA
stats go to the mock partner app in process (tests/support/mock_partner.py),
its node publishing ``max-omobility-ids`` 2 and counting the LAs of the
test's data set; what it received is read back from the requests sent with
the library's ``read_notification``. Retries and refusals are played by the
broken partner of tests/support/network.py; its LA CNR manifest entry
publishes a ``stats-url`` and ``max-omobility-ids`` (the shared test
network's entry has neither), so this module builds its own two-HEI
catalogue for it from the same parts.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import parse_qsl

import httpx
import pytest

from ewp_client.client import (
    AsyncLaCnrClient,
    LaCnrClient,
    LaCnrNotification,
    RetryPolicy,
)
from ewp_client.client.la_cnr import notify_calls
from ewp_client.codec import decode
from ewp_client.error_response import render_error_response
from ewp_client.errors import BadRequest, ConfigError, PartnerServerError
from ewp_client.models import (
    IncomingLaStats,
    LaCnrResponse,
    LaCnrStatsResponse,
    LearningAgreement,
    MobilityInstitution,
)
from ewp_client.namespaces import LA_CNR_ENTRY_NS
from ewp_client.ola import ReceivedLa
from ewp_client.registry import (
    ApiEntry,
    Hei,
    Host,
    LocalizedName,
    build_catalogue,
    render_catalogue,
)
from ewp_client.security import public_key_der
from ewp_client.server.la_cnr import (
    read_notification,
    render_incoming_stats,
    render_notification_response,
)
from ewp_client.xml import validate
from ewp_mock.config import IdLimits
from ewp_mock.data import HeiData
from tests.codec.samples import learning_agreement
from tests.support.mock_partner import (
    PARTNER_URL,
    MockPartner,
    institution,
    mock_partner,
    partner_data,
)
from tests.support.network import (
    PARTNER,
    PARTNER_BASE,
    US,
    US_BASE,
    AsyncSleeps,
    Network,
    Sleeps,
    key,
    partner_apis,
)

STATS = (
    IncomingLaStats(
        receiving_academic_year_id="2025/2026",
        la_incoming_total=40,
        la_incoming_some_version_approved=31,
        la_incoming_latest_version_approved=28,
        la_incoming_latest_version_rejected=2,
        la_incoming_latest_version_awaiting=10,
    ),
    IncomingLaStats(
        receiving_academic_year_id="2026/2027",
        la_incoming_total=3,
        la_incoming_some_version_approved=0,
        la_incoming_latest_version_approved=0,
        la_incoming_latest_version_rejected=0,
        la_incoming_latest_version_awaiting=3,
    ),
)


def apis(base: str, max_ids: int) -> tuple[ApiEntry, ...]:
    entries = []
    for entry in partner_apis(base):
        if entry.namespace == LA_CNR_ENTRY_NS:
            entry = dataclasses.replace(
                entry,
                properties=(
                    ("url", f"{base}/la-cnr"),
                    ("stats-url", f"{base}/la-cnr/stats"),
                    ("max-omobility-ids", str(max_ids)),
                ),
            )
        entries.append(entry)
    return tuple(entries)


@pytest.fixture
def net(tmp_path: Path) -> Network:
    ours, theirs = key(1), key(2)
    hosts = [
        Host(
            apis=apis(US_BASE, 2),
            hei_ids=(US,),
            client_keys=(ours.key_id,),
            server_keys=(ours.key_id,),
        ),
        Host(
            apis=apis(PARTNER_BASE, 2),
            hei_ids=(PARTNER,),
            client_keys=(theirs.key_id,),
            server_keys=(theirs.key_id,),
        ),
    ]
    heis = [Hei(id=h, names=(LocalizedName(text=h, lang="en"),)) for h in (US, PARTNER)]
    catalogue = build_catalogue(
        hosts, heis=heis, public_keys=[public_key_der(k.public_key) for k in (ours, theirs)]
    )
    path = tmp_path / "catalogue.xml"
    path.write_bytes(render_catalogue(catalogue))
    return Network(catalogue_path=path, our_key=ours, partner_key=theirs)


#: The mock node's LA CNR URL for the partner.
LA_CNR_URL = f"{PARTNER_URL}/ewp/la-cnr/{PARTNER}"

Serve = Callable[..., MockPartner]


def incoming(
    omobility_id: str, *, year: str = "2025/2026", pending: bool = True
) -> LearningAgreement:
    """An LA we send to the partner: first version approved, a proposal pending if ``pending``."""
    base = learning_agreement()
    return dataclasses.replace(
        base,
        omobility_id=omobility_id,
        receiving_academic_year_id=year,
        sending_hei=dataclasses.replace(base.sending_hei, hei_id=US),
        receiving_hei=MobilityInstitution(
            hei_id=PARTNER, contact_person=base.receiving_hei.contact_person
        ),
        changes_proposal=base.changes_proposal if pending else None,
    )


def proposal_id(agreement: LearningAgreement) -> str:
    proposal = agreement.changes_proposal
    assert proposal is not None
    return proposal.id


#: What the partner keeps of our LAs: in 2025/2026 one awaiting its answer, one approved,
#: one whose proposal it rejected; in 2026/2027 one first proposal awaiting.
RECEIVED = (
    ReceivedLa(incoming("in-1")),
    ReceivedLa(incoming("in-2", pending=False)),
    ReceivedLa(incoming("in-3"), commented_proposal_id=proposal_id(incoming("in-3"))),
    ReceivedLa(dataclasses.replace(incoming("in-4", year="2026/2027"), first_version=None)),
)
SERVED_STATS = (
    IncomingLaStats(
        receiving_academic_year_id="2025/2026",
        la_incoming_total=3,
        la_incoming_some_version_approved=3,
        la_incoming_latest_version_approved=1,
        la_incoming_latest_version_rejected=1,
        la_incoming_latest_version_awaiting=1,
    ),
    IncomingLaStats(
        receiving_academic_year_id="2026/2027",
        la_incoming_total=1,
        la_incoming_some_version_approved=0,
        la_incoming_latest_version_approved=0,
        la_incoming_latest_version_rejected=0,
        la_incoming_latest_version_awaiting=1,
    ),
)


@pytest.fixture
def serve(tmp_path: Path) -> Iterator[Serve]:
    """``serve(stats_portal=False)``: the partner's node keeping :data:`RECEIVED`."""
    made: list[MockPartner] = []

    def make(*, stats_portal: bool = False) -> MockPartner:
        data = HeiData(
            institution=institution(PARTNER),
            received_las={(US, r.la.omobility_id): r for r in RECEIVED},
        )
        partner = mock_partner(
            tmp_path,
            partner_data(data),
            max_ids=IdLimits(la_cnr_omobility_ids=2),
            stats_portal=stats_portal,
        )
        made.append(partner)
        return partner

    yield make
    for partner in made:
        partner.close()


def notified(mock: MockPartner) -> list[LaCnrNotification]:
    """The LA CNRs the node received, read as a receiving HEI reads them."""
    return [
        read_notification(parse_qsl(r.content.decode()))
        for r in mock.requests
        if str(r.url) == LA_CNR_URL
    ]


class ReceivingHei:
    """A broken receiving HEI's LA CNR endpoints: scripted failures, then correct answers."""

    def __init__(self, *failures: int) -> None:
        self.failures = list(failures)
        self.notified: list[LaCnrNotification] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if self.failures:
            status = self.failures.pop(0)
            return httpx.Response(status, content=render_error_response(f"failure {status}"))
        headers = {"Content-Type": "text/xml"}
        if request.url.path == "/ewp/la-cnr/stats":
            return httpx.Response(200, content=render_incoming_stats(STATS), headers=headers)
        self.notified.append(read_notification(parse_qsl(request.content.decode())))
        return httpx.Response(200, content=render_notification_response(), headers=headers)


def cnr_client(net: Network, partner: ReceivingHei, **kw: object) -> LaCnrClient:
    return LaCnrClient(net.client(partner, **kw))


def test_notify_posts_batches_of_max_omobility_ids(serve: Serve) -> None:
    mock = serve()
    sent = LaCnrClient(mock.client()).notify(PARTNER, US, ["om-1", "om-2", "om-3", "om-2"])
    assert sent == 2
    assert notified(mock) == [
        LaCnrNotification(sending_hei_id=US, omobility_ids=("om-1", "om-2")),
        LaCnrNotification(sending_hei_id=US, omobility_ids=("om-3",)),
    ]
    first = mock.requests[0]
    assert (first.method, str(first.url)) == ("POST", LA_CNR_URL)
    assert first.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert first.content == f"sending_hei_id={US}&omobility_id=om-1&omobility_id=om-2".encode()


def test_notify_is_retried_with_backoff_until_200(net: Network) -> None:
    partner = ReceivingHei(500, 503, 500)
    sleeps = Sleeps()
    client = cnr_client(net, partner, sleep=sleeps, retry=RetryPolicy(attempts=5, backoff=1))
    assert client.notify(PARTNER, US, ["om-1"]) == 1
    assert sleeps == [1.0, 2.0, 4.0]
    assert len(net.requests) == 4
    assert partner.notified == [LaCnrNotification(sending_hei_id=US, omobility_ids=("om-1",))]


def test_notify_gives_up_after_the_policy_attempts(net: Network) -> None:
    client = cnr_client(
        net, ReceivingHei(500, 500, 500), sleep=Sleeps(), retry=RetryPolicy(attempts=3)
    )
    with pytest.raises(PartnerServerError) as info:
        client.notify(PARTNER, US, ["om-1", "om-2", "om-3"])
    assert info.value.developer_message == "failure 500"
    assert len(net.requests) == 3


def test_notify_refused_with_400_is_not_retried(net: Network) -> None:
    with pytest.raises(BadRequest):
        cnr_client(net, ReceivingHei(400), sleep=Sleeps()).notify(PARTNER, US, ["om-1"])
    assert len(net.requests) == 1


def test_incoming_stats_are_read_and_decoded(serve: Serve) -> None:
    mock = serve(stats_portal=True)
    stats = LaCnrClient(mock.client()).stats(PARTNER)
    assert stats.academic_years == SERVED_STATS
    sent = mock.requests[0]
    assert (sent.method, str(sent.url)) == ("GET", f"{LA_CNR_URL}/stats")


def test_incoming_stats_are_retried_on_503(net: Network) -> None:
    sleeps = Sleeps()
    stats = cnr_client(net, ReceivingHei(503), sleep=sleeps).stats(PARTNER)
    assert stats.academic_years == STATS
    assert sleeps == [0.5]


def test_notify_calls_without_ids_send_nothing() -> None:
    assert notify_calls(PARTNER, US, [], max_ids=5) == []


# --------------------------------------------------------------- answering side


def test_read_notification_ignores_unknown_parameters() -> None:
    notification = read_notification(
        [
            ("omobility_id", "b"),
            ("sending_hei_id", US),
            ("foo", "bar"),
            ("omobility_id", "a"),
            ("omobility_id", "b"),
        ]
    )
    assert notification == LaCnrNotification(sending_hei_id=US, omobility_ids=("b", "a"))


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ([("omobility_id", "a")], "sending_hei_id"),
        (
            [("sending_hei_id", US), ("sending_hei_id", PARTNER), ("omobility_id", "a")],
            "sending_hei_id",
        ),
        ([("sending_hei_id", US)], "omobility_id"),
        ([("sending_hei_id", US), ("omobility_id", "")], "omobility_id"),
    ],
)
def test_read_notification_refuses_bad_requests(
    params: list[tuple[str, str]], message: str
) -> None:
    with pytest.raises(BadRequest, match=message) as info:
        read_notification(params)
    assert info.value.status == 400
    assert info.value.developer_message is not None


def test_rendered_answers_are_schema_valid_documents() -> None:
    decode(render_notification_response(), LaCnrResponse)
    validate(render_incoming_stats(STATS))
    assert decode(render_incoming_stats(STATS), LaCnrStatsResponse).academic_years == STATS
    assert decode(render_incoming_stats(()), LaCnrStatsResponse).academic_years == ()


# ------------------------------------------------------------------- async twin


def async_cnr_client(net: Network, partner: ReceivingHei, sleeps: AsyncSleeps) -> AsyncLaCnrClient:
    return AsyncLaCnrClient(net.async_client(partner, sleep=sleeps))


async def test_async_notify_batches(serve: Serve) -> None:
    mock = serve()
    client = AsyncLaCnrClient(mock.async_client())
    assert await client.notify(PARTNER, US, ["a", "b", "c"]) == 2
    assert [n.omobility_ids for n in notified(mock)] == [("a", "b"), ("c",)]
    assert len(mock.requests) == 2


async def test_async_notify_is_retried_until_200(net: Network) -> None:
    partner = ReceivingHei(502)
    sleeps = AsyncSleeps()
    assert await async_cnr_client(net, partner, sleeps).notify(PARTNER, US, ["a", "b", "c"]) == 2
    assert sleeps == [0.5]
    assert [n.omobility_ids for n in partner.notified] == [("a", "b"), ("c",)]
    assert len(net.requests) == 3


async def test_async_incoming_stats(serve: Serve) -> None:
    mock = serve(stats_portal=True)
    stats = await AsyncLaCnrClient(mock.async_client()).stats(PARTNER)
    assert stats.academic_years == SERVED_STATS


def test_notify_as_a_hei_the_client_does_not_act_for_is_refused(serve: Serve) -> None:
    mock = serve()
    client = LaCnrClient(mock.client(hei_ids=[US]))
    with pytest.raises(ConfigError, match="not among"):
        client.notify(PARTNER, "stranger.example", ["om-1"])
    assert mock.requests == []
    assert client.notify(PARTNER, US, ["om-1"]) == 1
    assert notified(mock) == [LaCnrNotification(sending_hei_id=US, omobility_ids=("om-1",))]
