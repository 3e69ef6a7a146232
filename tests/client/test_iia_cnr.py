"""IIA CNR v3 and IIA Approval CNR v2: sending both notifications, and receiving them.

The partner reads each notification with the library's receiving-side
functions (``read_iia_cnr`` / ``read_approval_cnr``), answering 400 for a bad
request as they raise, and 200 with the rendered empty answer otherwise.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qsl

import httpx
import pytest

from ewp_client.client import (
    AsyncIiaCnrClient,
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
from tests.iia.served_copies import copy_of, served
from tests.support.network import PARTNER, PARTNER_BASE, US, Network, Sleeps, make_network

#: Our approval of the partner's copy p-1 (mapped to our o-1).
RECORD = approve(served(copy_of(PARTNER, "p-1", US, "o-1")), partner_hei_id=PARTNER)


class ListeningHei:
    """The partner's two CNR endpoints, recording what they received."""

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


def test_notify_posts_one_iia_id_per_request(net: Network) -> None:
    partner = ListeningHei()
    assert cnr_client(net, partner).notify(PARTNER, ["o-1", "o-2", "o-1"]) == 2
    assert partner.changed == [
        IiaCnrNotification(iia_id="o-1", notifier_hei_id=US),
        IiaCnrNotification(iia_id="o-2", notifier_hei_id=US),
    ]
    first = net.requests[0]
    assert (first.method, str(first.url)) == ("POST", f"{PARTNER_BASE}/iia-cnr")
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


def test_approval_notification_carries_the_owners_id(net: Network) -> None:
    partner = ListeningHei()
    cnr_client(net, partner).notify_approval(RECORD)
    assert partner.approved == [IiaApprovalCnrNotification(iia_id="p-1", approving_hei_id=US)]
    request = net.requests[0]
    assert (request.method, str(request.url)) == ("POST", f"{PARTNER_BASE}/iia-approval-cnr")
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


def test_a_400_from_our_own_listener_is_served() -> None:
    partner = ListeningHei()
    request = httpx.Request("POST", f"{PARTNER_BASE}/iia-cnr", content=b"iia_id=a&iia_id=b")
    assert partner(request).status_code == 400
    assert partner.changed == []


# ------------------------------------------------------------------- async twins


def async_client(net: Network, partner: ListeningHei, **kw: object) -> AsyncIiaCnrClient:
    return AsyncIiaCnrClient(net.async_client(partner, **kw))


async def test_async_notify_and_notify_approval(net: Network) -> None:
    partner = ListeningHei(503)
    client = async_client(net, partner)
    assert await client.notify(PARTNER, ["o-1", "o-2"]) == 2
    await client.notify_approval(RECORD)
    assert [n.iia_id for n in partner.changed] == ["o-1", "o-2"]
    assert [n.iia_id for n in partner.approved] == ["p-1"]
    assert len(net.requests) == 4  # the first try answered 503 and was retried


async def test_async_400_is_a_bad_request(net: Network) -> None:
    with pytest.raises(BadRequest):
        await async_client(net, ListeningHei(400)).notify_approval(RECORD)
