"""Sending outbox deliveries with the EWP client, and what each failure means for the outbox.

The partner is the shared in-memory test network's (an ``httpx.MockTransport``
that checks our signatures and signs its answers); the errors classified are
the ones the real clients raise when it answers 500 or 400, refuses the
connection or times out.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qsl

import httpx
import pytest

from ewp_client.client import NO_RETRY, AsyncEwpClient, EwpClient
from ewp_client.client.iia_cnr import render_approval_cnr_response, render_iia_cnr_response
from ewp_client.clock import ManualClock
from ewp_client.cnr import (
    AttemptResult,
    CnrKind,
    Delivered,
    Delivery,
    EntryState,
    Failed,
    FailureKind,
    Outbox,
    OutgoingNotification,
    asend_delivery,
    async_sender,
    classify_error,
    send_delivery,
    sender,
)
from ewp_client.error_response import render_error_response
from ewp_client.errors import (
    ConfigError,
    EwpError,
    NoEndpointError,
    RegistryUnavailableError,
    ResponseSignatureError,
    ResponseTooLargeError,
    SchemaValidationError,
)
from ewp_client.server.la_cnr import render_notification_response
from tests.support.network import PARTNER, US, Network, make_network

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
SEC = timedelta(seconds=1)

Step = int | type[httpx.TransportError] | bytes


class Partner:
    """The partner's CNR endpoints: plays the scripted ``steps`` (a status, an httpx error to
    raise, or a 200 body), then answers each notification as a correct partner does."""

    def __init__(self, *steps: Step) -> None:
        self.steps = list(steps)
        self.received: list[tuple[str, list[tuple[str, str]]]] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if self.steps:
            step = self.steps.pop(0)
            if isinstance(step, int):
                return httpx.Response(step, content=render_error_response(f"failure {step}"))
            if isinstance(step, bytes):
                return httpx.Response(200, content=step, headers={"Content-Type": "text/xml"})
            raise step("scripted failure", request=request)
        path = request.url.path.rsplit("/", 1)[-1]
        self.received.append((path, parse_qsl(request.content.decode())))
        body = {
            "iia-cnr": render_iia_cnr_response,
            "iia-approval-cnr": render_approval_cnr_response,
            "la-cnr": render_notification_response,
        }[path]()
        return httpx.Response(200, content=body, headers={"Content-Type": "text/xml"})


@pytest.fixture
def net(tmp_path: Path) -> Network:
    return make_network(tmp_path)


def client(net: Network, partner: Partner, **kw: object) -> EwpClient:
    return net.client(partner, retry=NO_RETRY, hei_ids=(US,), **kw)


def async_client(net: Network, partner: Partner, **kw: object) -> AsyncEwpClient:
    return net.async_client(partner, retry=NO_RETRY, hei_ids=(US,), **kw)


def delivery(kind: CnrKind, *ids: str, sending: str | None = US) -> Delivery:
    return Delivery(
        id="d1",
        kind=kind,
        partner_hei_id=PARTNER,
        sending_hei_id=sending,
        object_ids=ids,
        revisions=(1,) * len(ids),
    )


# ------------------------------------------------------------ delivered, per kind


@pytest.mark.parametrize(
    ("kind", "ids", "received"),
    [
        (CnrKind.IIA, ("iia-1",), [("iia-cnr", [("iia_id", "iia-1")])]),
        (
            CnrKind.IIA_APPROVAL,
            ("their-1", "their-2"),
            [
                ("iia-approval-cnr", [("iia_id", "their-1")]),
                ("iia-approval-cnr", [("iia_id", "their-2")]),
            ],
        ),
        (
            CnrKind.LA,
            ("om-1", "om-2"),
            # the partner publishes no max-omobility-ids: one id per request, as clients assume
            [
                ("la-cnr", [("sending_hei_id", US), ("omobility_id", "om-1")]),
                ("la-cnr", [("sending_hei_id", US), ("omobility_id", "om-2")]),
            ],
        ),
    ],
)
def test_a_delivery_is_posted_to_the_partners_cnr_api(
    net: Network, kind: CnrKind, ids: tuple[str, ...], received: list[object]
) -> None:
    partner = Partner()
    assert send_delivery(client(net, partner), delivery(kind, *ids)) == Delivered(status=200)
    assert partner.received == received
    assert all(r.method == "POST" for r in net.requests)


async def test_the_async_sender_posts_the_same(net: Network) -> None:
    partner = Partner()
    outcome = await asend_delivery(async_client(net, partner), delivery(CnrKind.LA, "om-1"))
    assert outcome == Delivered(status=200)
    assert partner.received == [("la-cnr", [("sending_hei_id", US), ("omobility_id", "om-1")])]


# ------------------------------------------------------------------ classification


TIMEOUT = Failed(retryable=True, error=FailureKind.TIMEOUT, detail="TransportError")


@pytest.mark.parametrize(
    ("step", "outcome"),
    [
        (
            500,
            Failed(
                retryable=True,
                error=FailureKind.HTTP_STATUS,
                status=500,
                detail="PartnerServerError",
            ),
        ),
        (
            503,
            Failed(
                retryable=True,
                error=FailureKind.HTTP_STATUS,
                status=503,
                detail="PartnerServerError",
            ),
        ),
        (
            400,
            Failed(
                retryable=False, error=FailureKind.HTTP_STATUS, status=400, detail="CnrRejected"
            ),
        ),
        (
            404,
            Failed(
                retryable=False, error=FailureKind.HTTP_STATUS, status=404, detail="CnrRejected"
            ),
        ),
        (
            501,
            Failed(
                retryable=False,
                error=FailureKind.HTTP_STATUS,
                status=501,
                detail="NotImplementedByPartner",
            ),
        ),
        (
            httpx.ConnectError,
            Failed(retryable=True, error=FailureKind.CONNECT, detail="TransportError"),
        ),
        (httpx.ReadTimeout, TIMEOUT),
        (httpx.ConnectTimeout, TIMEOUT),
        (
            httpx.RemoteProtocolError,
            Failed(retryable=True, error=FailureKind.TRANSPORT, detail="TransportError"),
        ),
        (
            b"<not-a-cnr-response/>",
            Failed(
                retryable=False,
                error=FailureKind.INVALID_RESPONSE,
                detail="UnexpectedDocumentError",
            ),
        ),
    ],
)
def test_what_the_client_raises_is_classified(net: Network, step: Step, outcome: Failed) -> None:
    partner = Partner(step)
    assert send_delivery(client(net, partner), delivery(CnrKind.IIA, "iia-1")) == outcome
    assert partner.received == []
    assert len(net.requests) == 1  # one try: the outbox paces the retries


async def test_the_async_client_errors_are_classified_alike(net: Network) -> None:
    for step, expected in [
        (500, (True, FailureKind.HTTP_STATUS, 500)),
        (400, (False, FailureKind.HTTP_STATUS, 400)),
        (httpx.ConnectError, (True, FailureKind.CONNECT, None)),
        (httpx.ReadTimeout, (True, FailureKind.TIMEOUT, None)),
    ]:
        outcome = await asend_delivery(
            async_client(net, Partner(step)), delivery(CnrKind.IIA_APPROVAL, "their-1")
        )
        assert isinstance(outcome, Failed)
        assert (outcome.retryable, outcome.error, outcome.status) == expected


def test_a_response_over_the_size_limit_is_not_retried(net: Network) -> None:
    partner = Partner(b"<x>" + b" " * 4096 + b"</x>")
    outcome = send_delivery(
        client(net, partner, max_response_size=1024), delivery(CnrKind.IIA, "iia-1")
    )
    assert outcome == Failed(
        retryable=False, error=FailureKind.RESPONSE_TOO_LARGE, detail="ResponseTooLargeError"
    )


def test_an_unsigned_answer_is_retried(net: Network) -> None:
    outcome = send_delivery(
        net.client(Partner(), sign=False, retry=NO_RETRY), delivery(CnrKind.IIA, "iia-1")
    )
    assert isinstance(outcome, Failed)
    assert (outcome.retryable, outcome.error) == (True, FailureKind.RESPONSE_SIGNATURE)


def test_a_partner_without_the_cnr_api_fails_for_good(net: Network) -> None:
    unknown = Delivery(
        id="d1",
        kind=CnrKind.IIA,
        partner_hei_id="unknown.example.org",
        sending_hei_id=None,
        object_ids=("iia-1",),
        revisions=(1,),
    )
    outcome = send_delivery(client(net, Partner()), unknown)
    assert outcome == Failed(
        retryable=False, error=FailureKind.NO_ENDPOINT, detail="NoEndpointError"
    )


def test_a_sending_hei_that_is_not_ours_fails_for_good(net: Network) -> None:
    outcome = send_delivery(client(net, Partner()), delivery(CnrKind.LA, "om-1", sending=PARTNER))
    assert outcome == Failed(retryable=False, error=FailureKind.CONFIG, detail="ConfigError")
    outcome = send_delivery(client(net, Partner()), delivery(CnrKind.LA, "om-1", sending=None))
    assert outcome == Failed(retryable=False, error=FailureKind.CONFIG, detail="ConfigError")
    assert net.requests == []


@pytest.mark.parametrize(
    ("error", "kind", "retryable"),
    [
        (RegistryUnavailableError("down"), FailureKind.REGISTRY_UNAVAILABLE, True),
        (NoEndpointError("none", hei_id=PARTNER, api="iia-cnr"), FailureKind.NO_ENDPOINT, False),
        (ResponseSignatureError("bad"), FailureKind.RESPONSE_SIGNATURE, True),
        (
            ResponseTooLargeError("big", limit=1, bytes_read=2, url="u"),
            FailureKind.RESPONSE_TOO_LARGE,
            False,
        ),
        (SchemaValidationError([], namespace=None, root="x"), FailureKind.INVALID_RESPONSE, False),
        (ConfigError("no key"), FailureKind.CONFIG, False),
        (EwpError("something else"), FailureKind.OTHER, False),
    ],
)
def test_the_rest_of_the_exception_tree_is_classified(
    error: EwpError, kind: FailureKind, retryable: bool
) -> None:
    assert classify_error(error) == Failed(
        retryable=retryable, error=kind, detail=type(error).__name__
    )


def test_a_bug_in_the_send_path_is_not_swallowed(net: Network) -> None:
    def broken(request: httpx.Request) -> httpx.Response:
        raise ZeroDivisionError

    with pytest.raises(ZeroDivisionError):
        send_delivery(net.client(broken, retry=NO_RETRY), delivery(CnrKind.IIA, "iia-1"))


# ------------------------------------------------------------ the outbox, end to end


async def test_a_partner_that_fails_then_times_out_gets_the_notification_once_back(
    net: Network,
) -> None:
    partner = Partner(500, httpx.ReadTimeout)
    box, clock = Outbox(), ManualClock(T0)
    send = async_sender(async_client(net, partner))
    box.enqueue(OutgoingNotification.la(PARTNER, US, "om-1"), clock.now())
    while box.pending():
        clock.set(box.next_due())  # type: ignore[arg-type]
        await box.run_due(send, clock)
    assert partner.received == [("la-cnr", [("sending_hei_id", US), ("omobility_id", "om-1")])]
    assert [(a.at - T0, a.result, a.status, a.error) for a in box.history("om-1")] == [
        (0 * SEC, AttemptResult.RETRY, 500, FailureKind.HTTP_STATUS),
        (30 * SEC, AttemptResult.RETRY, None, FailureKind.TIMEOUT),
        (90 * SEC, AttemptResult.DELIVERED, 200, None),
    ]


def test_a_400_stops_the_retries_through_the_blocking_sender(net: Network) -> None:
    partner = Partner(503, 400)
    box, clock = Outbox(), ManualClock(T0)
    send = sender(client(net, partner))
    box.enqueue(OutgoingNotification.iia(PARTNER, "iia-1"), clock.now())
    box.run_due_sync(send, clock)
    clock.advance(30 * SEC)
    box.run_due_sync(send, clock)
    clock.advance(timedelta(hours=30))
    assert box.run_due_sync(send, clock) == []
    (entry,) = box.entries("iia-1")
    assert entry.state is EntryState.FAILED
    assert [a.status for a in entry.attempts] == [503, 400]
    assert len(net.requests) == 2
    assert partner.received == []


def test_importing_the_outbox_leaves_the_http_stack_out() -> None:
    import json
    import subprocess
    import sys

    code = (
        "import json, sys, ewp_client.cnr as cnr, ewp_client.clock; "
        "heavy = {'httpx', 'asyncio'}; before = sorted(heavy & set(sys.modules)); "
        "cnr.send_delivery; print(json.dumps([before, sorted(heavy & set(sys.modules))]))"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout) == [[], ["asyncio", "httpx"]]
