"""IIA CNR v3 and IIA Approval CNR v2: sending both notifications, and receiving them.

Notifications go to the mock partner app in process
(tests/support/mock_partner.py), which answers a valid one 200; what it
received is read back from the requests sent, with the library's
receiving-side functions (``read_iia_cnr`` / ``read_approval_cnr``). Retries
and refusals are played by the broken partner of tests/support/network.py,
which answers scripted failures first, then reads each notification with
those functions (400 for a bad request as they raise, 200 otherwise).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qsl

import httpx
import pytest

from ewp_client.client import (
    AsyncIiaCnrClient,
    EwpCall,
    IiaApprovalCnrNotification,
    IiaCnrClient,
    IiaCnrNotification,
    RetryPolicy,
)
from ewp_client.client.iia_cnr import (
    approval_notify_call,
    notify_calls,
    read_approval_cnr,
    read_iia_cnr,
    render_approval_cnr_response,
    render_iia_cnr_response,
)
from ewp_client.client.retry import CallKind
from ewp_client.codec import decode
from ewp_client.error_response import render_error_response
from ewp_client.errors import BadRequest, PartnerServerError
from ewp_client.iia.approval import approve
from ewp_client.models import IiaApprovalCnrResponse, IiaCnrResponse
from ewp_client.namespaces import IIA_CNR_API
from tests.iia.served_copies import copy_of, served
from tests.support.mock_partner import PARTNER_URL, MockPartner, mock_partner
from tests.support.network import PARTNER, US, AsyncSleeps, Network, Sleeps, make_network

#: Our approval of the partner's copy p-1 (mapped to our o-1).
RECORD = approve(served(copy_of(PARTNER, "p-1", US, "o-1")), partner_hei_id=PARTNER)


@pytest.fixture
def mock(tmp_path: Path) -> Iterator[MockPartner]:
    """The partner's node (no data needed: a valid notification is answered 200)."""
    partner = mock_partner(tmp_path)
    yield partner
    partner.close()


def changed(mock: MockPartner) -> list[IiaCnrNotification]:
    """The IIA CNRs the node received, read as a receiving HEI reads them."""
    return [
        read_iia_cnr(parse_qsl(r.content.decode()), notifier_hei_id=US)
        for r in mock.requests
        if r.url.path == f"/ewp/iia-cnr/{PARTNER}"
    ]


def approved(mock: MockPartner) -> list[IiaApprovalCnrNotification]:
    """The IIA Approval CNRs the node received."""
    return [
        read_approval_cnr(parse_qsl(r.content.decode()), approving_hei_id=US)
        for r in mock.requests
        if r.url.path == f"/ewp/iia-approval-cnr/{PARTNER}"
    ]


class ListeningHei:
    """A broken partner's two CNR endpoints: scripted failures, then what they received."""

    def __init__(self, *failures: int) -> None:
        self.failures = list(failures)
        self.changed: list[IiaCnrNotification] = []
        self.approved: list[IiaApprovalCnrNotification] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if self.failures:
            status = self.failures.pop(0)
            return httpx.Response(status, content=render_error_response(f"failure {status}"))
        params = parse_qsl(request.content.decode())
        headers = {"Content-Type": "text/xml"}
        try:
            if request.url.path == "/ewp/iia-cnr":
                self.changed.append(read_iia_cnr(params, notifier_hei_id=US))
                return httpx.Response(200, content=render_iia_cnr_response(), headers=headers)
            self.approved.append(read_approval_cnr(params, approving_hei_id=US))
            return httpx.Response(200, content=render_approval_cnr_response(), headers=headers)
        except BadRequest as exc:
            return httpx.Response(400, content=render_error_response(str(exc)))


@pytest.fixture
def net(tmp_path: Path) -> Network:
    return make_network(tmp_path)


def cnr_client(net: Network, partner: ListeningHei, **kw: object) -> IiaCnrClient:
    return IiaCnrClient(net.client(partner, **kw))


def test_notify_posts_one_iia_id_per_request(mock: MockPartner) -> None:
    assert IiaCnrClient(mock.client()).notify(PARTNER, ["o-1", "o-2", "o-1"]) == 2
    assert changed(mock) == [
        IiaCnrNotification(iia_id="o-1", notifier_hei_id=US),
        IiaCnrNotification(iia_id="o-2", notifier_hei_id=US),
    ]
    first = mock.requests[0]
    assert (first.method, str(first.url)) == ("POST", f"{PARTNER_URL}/ewp/iia-cnr/{PARTNER}")
    assert first.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert first.content == b"iia_id=o-1"


def test_notify_is_retried_with_backoff_until_200(net: Network) -> None:
    partner = ListeningHei(500, 503)
    sleeps = Sleeps()
    client = cnr_client(net, partner, sleep=sleeps, retry=RetryPolicy(attempts=4, backoff=1))
    assert client.notify(PARTNER, ["o-1"]) == 1
    assert sleeps == [1.0, 2.0]
    assert len(net.requests) == 3
    assert [n.iia_id for n in partner.changed] == ["o-1"]


def test_notify_gives_up_with_the_typed_error_and_sends_no_later_ids(net: Network) -> None:
    partner = ListeningHei(502, 502)
    with pytest.raises(PartnerServerError) as info:
        cnr_client(net, partner, retry=RetryPolicy(attempts=2)).notify(PARTNER, ["o-1", "o-2"])
    assert info.value.status == 502
    assert len(net.requests) == 2


def test_a_rejected_notification_is_a_bad_request_and_not_retried(net: Network) -> None:
    partner = ListeningHei(400)
    with pytest.raises(BadRequest) as info:
        cnr_client(net, partner).notify(PARTNER, ["o-1"])
    assert info.value.developer_message == "failure 400"
    assert len(net.requests) == 1


def test_approval_notification_carries_the_owners_id(mock: MockPartner) -> None:
    IiaCnrClient(mock.client()).notify_approval(RECORD)
    assert approved(mock) == [IiaApprovalCnrNotification(iia_id="p-1", approving_hei_id=US)]
    request = mock.requests[0]
    assert (request.method, str(request.url)) == (
        "POST",
        f"{PARTNER_URL}/ewp/iia-approval-cnr/{PARTNER}",
    )
    assert request.content == b"iia_id=p-1"


def test_notifications_are_notify_calls() -> None:
    (call,) = notify_calls(PARTNER, ["o-1"])
    approval = approval_notify_call(RECORD)
    assert (call.kind, approval.kind) == (CallKind.NOTIFY, CallKind.NOTIFY)
    assert (call.api.name, approval.api.name) == ("iia-cnr", "iia-approval-cnr")
    assert approval.hei_id == RECORD.partner_hei_id == PARTNER


# ------------------------------------------------------------- receiving side


@pytest.mark.parametrize("read", [read_iia_cnr, read_approval_cnr])
@pytest.mark.parametrize(
    "params", [[], [("iia_id", "")], [("iia_id", "a"), ("iia_id", "b")], [("notifier_hei_id", "x")]]
)
def test_a_notification_without_exactly_one_iia_id_is_a_400(
    read: object, params: list[tuple[str, str]]
) -> None:
    with pytest.raises(BadRequest, match="exactly one non-empty iia_id") as info:
        read(params)  # type: ignore[operator]
    assert info.value.status == 400


def test_unknown_parameters_are_ignored() -> None:
    params = [("iia_id", "x-1"), ("notifier_hei_id", "legacy.example.org")]
    assert read_iia_cnr(params) == IiaCnrNotification(iia_id="x-1")
    assert read_approval_cnr(params, approving_hei_id=PARTNER) == IiaApprovalCnrNotification(
        iia_id="x-1", approving_hei_id=PARTNER
    )


def test_the_answers_are_the_empty_documents() -> None:
    assert decode(render_iia_cnr_response(), IiaCnrResponse) == IiaCnrResponse()
    assert (
        decode(render_approval_cnr_response(), IiaApprovalCnrResponse) == IiaApprovalCnrResponse()
    )


def test_a_notification_with_two_ids_is_refused_by_the_partner(mock: MockPartner) -> None:
    call = EwpCall(
        api=IIA_CNR_API,
        hei_id=PARTNER,
        endpoint="url",
        method="POST",
        params=(("iia_id", "a"), ("iia_id", "b")),
        kind=CallKind.NOTIFY,
    )
    with mock.client() as client, pytest.raises(BadRequest) as info:
        client.call(call)
    assert info.value.status == 400
    assert len(mock.requests) == 1


# ------------------------------------------------------------------- async twins


def async_client(net: Network, partner: ListeningHei, **kw: object) -> AsyncIiaCnrClient:
    return AsyncIiaCnrClient(net.async_client(partner, **kw))


async def test_async_notify_and_notify_approval(mock: MockPartner) -> None:
    client = AsyncIiaCnrClient(mock.async_client())
    assert await client.notify(PARTNER, ["o-1", "o-2"]) == 2
    await client.notify_approval(RECORD)
    assert [n.iia_id for n in changed(mock)] == ["o-1", "o-2"]
    assert [n.iia_id for n in approved(mock)] == ["p-1"]
    assert len(mock.requests) == 3


async def test_async_notify_is_retried_on_503(net: Network) -> None:
    partner = ListeningHei(503)
    sleeps = AsyncSleeps()
    assert await async_client(net, partner, sleep=sleeps).notify(PARTNER, ["o-1"]) == 1
    assert [n.iia_id for n in partner.changed] == ["o-1"]
    assert len(net.requests) == 2  # the first try answered 503 and was retried
    assert len(sleeps) == 1


async def test_async_400_is_a_bad_request(net: Network) -> None:
    with pytest.raises(BadRequest):
        await async_client(net, ListeningHei(400)).notify_approval(RECORD)
