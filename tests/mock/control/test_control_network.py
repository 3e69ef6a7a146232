"""Control calls that involve a partner: nodes ``a`` (uni-a) and ``b`` (uni-b) in one process.

Both nodes have their control API on. ``b`` stands for the system a test
suite checks; ``a`` is the mock partner it drives: approving ``b``'s IIA,
deciding on ``b``'s LA as the receiving HEI, notifying ``b`` (or failing to,
until the notification expires on a clock moved by the control API).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from ewp_client import EchoClient, IiaApprovalClient, LasClient
from ewp_client.cnr import AttemptResult, CnrKind, EntryState, FailureKind, OutboxEntry
from ewp_client.errors import ControlConflict, ControlNotFound
from ewp_client.iia import ApprovalState
from ewp_client.models import Iia, LearningAgreement
from ewp_client.ola import SendingLa, VersionStatus
from ewp_mock.control import ControlClient
from ewp_mock.data import UNI_A, UNI_B
from ewp_mock.demo_flow import FIRST_TABLES, demo_iia, demo_la, receiving_signer, signature
from ewp_mock.testing import PartnerNetwork

A_IIA, B_IIA = "ctl-a-iia", "ctl-b-iia"
LA_ID = "ctl-flow-la"
APPROVED_LA = "la-approved"


@pytest.fixture
def network() -> Iterator[PartnerNetwork]:
    with PartnerNetwork.start() as network:  # control on, one NodeClock for both nodes
        yield network


def published_la(omobility_id: str) -> LearningAgreement:
    """uni-b's LA to uni-a with its first proposal, signed by the student and uni-b."""
    now = datetime.now(UTC)
    return (
        SendingLa.draft(demo_la(UNI_B, UNI_A, omobility_id))
        .propose(
            FIRST_TABLES,
            student_signature=signature("Demo Flow Student", now),
            sending_hei_signature=signature("Bea Coordinator", now, hei_id=UNI_B),
        )
        .state.la
    )


def mapped_iia(hei_id: str, iia_id: str, partner_hei_id: str, partner_iia_id: str) -> Iia:
    """The demo IIA ``hei_id`` serves as ``iia_id``, naming the partner's id of it."""
    iia = demo_iia(hei_id, iia_id, partner_hei_id)
    theirs = dataclasses.replace(iia.partners[1], iia_id=partner_iia_id)
    return dataclasses.replace(iia, partners=(iia.partners[0], theirs))


def la_cnr(control: ControlClient) -> OutboxEntry:
    (entry,) = [e for e in control.outbox() if e.key.kind is CnrKind.LA]
    return entry


def test_a_approves_the_iia_b_serves_and_b_reads_the_approval(network: PartnerNetwork) -> None:
    a, b = network.control("a"), network.control("b")
    b.put_iias(demo_iia(UNI_B, B_IIA, UNI_A))  # b serves it; an IIA CNR to a
    network.idle()  # a fetched its copy
    with pytest.raises(ControlConflict) as unmapped:  # b's copy names no iia-id of a's
        a.approve_partner_iia(UNI_A, UNI_B, B_IIA)
    assert unmapped.value.kind == "lifecycle-refused"
    a.put_iias(mapped_iia(UNI_A, A_IIA, UNI_B, B_IIA))
    (served,) = b.put_iias(mapped_iia(UNI_B, B_IIA, UNI_A, A_IIA))  # replaced: mapped
    assert served.created is False
    network.idle()
    record = a.approve_partner_iia(UNI_A, UNI_B, B_IIA)
    assert (record.partner_hei_id, record.iia_id, record.iia_hash) == (
        UNI_B,
        B_IIA,
        served.iia_hash,
    )
    approvals = IiaApprovalClient(network.client("b")).status(UNI_A, {B_IIA: served.iia_hash})
    assert approvals[B_IIA].state is ApprovalState.CURRENT
    network.idle()
    assert [(r.kind, r.object_ids) for r in b.received()] == [
        (CnrKind.IIA, (A_IIA,)),
        (CnrKind.IIA_APPROVAL, (B_IIA,)),
    ]
    with pytest.raises(ControlNotFound) as unknown:
        a.approve_partner_iia(UNI_A, UNI_B, "never-sent")
    assert unknown.value.kind == "unknown-iia"


def test_a_approves_b_s_la_as_the_receiving_hei_at_b_s_update_endpoint(
    network: PartnerNetwork,
) -> None:
    a, b = network.control("a"), network.control("b")
    (sent,) = b.put_las(published_la(LA_ID))
    assert sent.status is VersionStatus.AWAITING
    network.idle()  # a holds its copy, with the pending proposal
    a.approve_received_la(UNI_A, UNI_B, LA_ID, receiving_signer(UNI_A, datetime.now(UTC)))
    la = LasClient(network.client()).get_one(UNI_B, LA_ID)
    assert la is not None
    assert la.changes_proposal is None
    assert la.first_version is not None
    assert la.first_version.receiving_hei_signature is not None
    assert la.first_version.receiving_hei_signature.signer_name == "Ben Coordinator"
    with pytest.raises(ControlNotFound) as unknown:
        a.approve_received_la(
            UNI_A, UNI_B, "never-sent", receiving_signer(UNI_A, datetime.now(UTC))
        )
    assert unknown.value.kind == "unknown-la"


def test_a_comments_on_b_s_proposal_and_cannot_approve_it_afterwards(
    network: PartnerNetwork,
) -> None:
    a, b = network.control("a"), network.control("b")
    b.put_las(published_la(LA_ID))
    network.idle()
    signer = receiving_signer(UNI_A, datetime.now(UTC))
    a.comment_received_la(UNI_A, UNI_B, LA_ID, signer, "ENG-101 is not offered")
    kept = network.node("b").las.find(UNI_B, LA_ID)
    assert kept is not None
    assert kept.rejection is not None
    assert kept.rejection.comment == "ENG-101 is not offered"
    assert kept.status is VersionStatus.REJECTED
    with pytest.raises(ControlConflict):
        a.approve_received_la(UNI_A, UNI_B, LA_ID, signer)
    la = LasClient(network.client()).get_one(UNI_B, LA_ID)
    assert la is not None
    assert la.first_version is None  # nothing was approved


def test_a_triggered_cnr_waits_while_b_fails_and_flush_delivers_it_when_b_is_back(
    network: PartnerNetwork,
) -> None:
    a, b = network.control("a"), network.control("b")

    def unavailable(request: httpx.Request) -> httpx.Response | None:
        return httpx.Response(503) if request.url.path.startswith("/ewp/la-cnr") else None

    network.network.intercept("b", unavailable)
    a.trigger(CnrKind.LA, UNI_B, [APPROVED_LA], sending_hei_id=UNI_A)
    a.run_due()
    waiting = la_cnr(a)
    assert waiting.state is EntryState.PENDING
    assert [(t.result, t.status) for t in waiting.attempts] == [(AttemptResult.RETRY, 503)]
    assert b.received() == []

    network.network.intercept("b", None)
    a.flush()  # not due yet: sent anyway
    delivered = la_cnr(a)
    assert delivered.state is EntryState.DELIVERED
    assert [t.result for t in delivered.attempts] == [AttemptResult.RETRY, AttemptResult.DELIVERED]
    assert [(r.kind, r.sending_hei_id, r.object_ids) for r in b.received()] == [
        (CnrKind.LA, UNI_A, (APPROVED_LA,))
    ]


def test_a_cnr_retried_with_backoff_expires_after_24_hours_of_business_time(
    network: PartnerNetwork,
) -> None:
    a = network.control("a")

    def unreachable(request: httpx.Request) -> httpx.Response | None:
        if request.url.path.startswith("/ewp/la-cnr"):
            raise httpx.ConnectError("b is unreachable", request=request)
        return None

    network.network.intercept("b", unreachable)
    started = a.clock().now
    a.trigger(CnrKind.LA, UNI_B, [APPROVED_LA], sending_hei_id=UNI_A)
    a.run_due()
    gaps = []
    for _ in range(3):  # each retry when due, later each time
        entry = la_cnr(a)
        last = entry.attempts[-1]
        assert last.next_try is not None
        gaps.append(last.next_try - last.at)
        a.advance(max(last.next_try - a.clock().now, timedelta(milliseconds=1)))
    assert gaps == sorted(gaps)
    assert gaps[-1] > gaps[0]
    retried = la_cnr(a)
    assert retried.state is EntryState.PENDING
    assert len(retried.attempts) == 4
    assert {(t.result, t.error) for t in retried.attempts} == {
        (AttemptResult.RETRY, FailureKind.CONNECT)
    }

    a.advance(timedelta(hours=24))
    expired = la_cnr(a)
    assert expired.state is EntryState.EXPIRED
    assert expired.attempts[-1].result is AttemptResult.EXPIRED
    assert expired.expires_at <= started + timedelta(hours=24, minutes=1)
    assert a.clock().now >= expired.expires_at
    # the node is a day ahead; clients on real time still get signed, verified answers
    assert EchoClient(network.client()).echo(UNI_A, ["awake"]).echoes == ("awake",)
    assert EchoClient(network.client()).echo(UNI_B, ["awake"]).echoes == ("awake",)
