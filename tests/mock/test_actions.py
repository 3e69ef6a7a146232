"""What an HEI does on its node, two nodes in one process: the IIA and OLA flows end to end.

Node ``a`` serves uni-a, node ``b`` uni-b (the demo data). Each step is a
:class:`~ewp_mock.actions.NodeActions` call; the CNRs it queues are delivered by
the nodes' outboxes, and the receiver refreshes its copy from the notifier
(``network.idle()`` waits for both). What the tests assert is what the other
side sees: its copies as fetched, the partner's Approval API read with its own
client, the LA's versions and signatures.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime

import pytest

from ewp_client import AsyncIiaApprovalClient, AsyncIiasClient
from ewp_client.clock import ManualClock
from ewp_client.cnr import CnrKind, EntryState
from ewp_client.errors import (
    ApprovalRefusedError,
    ConfigError,
    IiaLifecycleError,
    LaUpdateError,
    LifecycleError,
    StaleApproval,
)
from ewp_client.iia import ApprovalState, CopyChangeKind
from ewp_client.models import Iia, ReasonCode
from ewp_client.ola import (
    AmendmentKind,
    ChangeReason,
    LaCopyChangeKind,
    LaVersionEvent,
    VersionStatus,
    latest_tables,
)
from ewp_mock.actions import NodeActions
from ewp_mock.app import node_of_app
from ewp_mock.data import UNI_A, UNI_B, Dataset, demo_dataset
from ewp_mock.demo_flow import ADDED, FIRST_TABLES, demo_iia, demo_la, receiving_signer, signature
from ewp_mock.network import MockNetwork, NodeSpec
from ewp_mock.refresh import RefreshOutcome
from tests.mock.conftest import key

START = datetime(2026, 10, 1, 9, 0, tzinfo=UTC)
HEI = {"a": UNI_A, "b": UNI_B}
A_ID, B_ID = "flow-iia-a", "flow-iia-b"
LA_ID = "flow-la"


@functools.cache
def dataset() -> Dataset:
    return demo_dataset()


def specs() -> list[NodeSpec]:
    """Node ``a`` serving uni-a and ``b`` serving uni-b, on the demo data (keys made once)."""
    return [
        NodeSpec("a", (UNI_A,), dataset(), {"server_key": key(1), "client_key": key(2)}),
        NodeSpec("b", (UNI_B,), dataset(), {"server_key": key(3), "client_key": key(4)}),
    ]


def two_nodes() -> MockNetwork:
    return MockNetwork(specs(), clock=ManualClock(START))


def fewer_months(iia: Iia) -> Iia:
    """``iia`` with its studies mobilities shortened to 8 months a year (a modification)."""
    conditions = iia.cooperation_conditions
    studies = tuple(
        dataclasses.replace(s, total_months_per_year="8") for s in conditions.student_studies
    )
    return dataclasses.replace(
        iia, cooperation_conditions=dataclasses.replace(conditions, student_studies=studies)
    )


@pytest.fixture
async def network() -> AsyncIterator[MockNetwork]:
    async with two_nodes() as network:
        yield network


async def partner_sees(
    network: MockNetwork, owner: str, partner: str, iia_id: str
) -> ApprovalState:
    """``partner``'s Approval API read by ``owner``'s client, about ``owner``'s copy as served."""
    served = network.actions(owner).served(HEI[owner], iia_id)
    assert served is not None
    async with network.client(owner) as client:
        status = await AsyncIiaApprovalClient(client).status(
            HEI[partner], {iia_id: served.iia_hash}
        )
    return status[iia_id].state


async def mapped_pair(network: MockNetwork) -> tuple[NodeActions, NodeActions]:
    """A creates an IIA, B copies it (mapped), A maps its copy: both mapped, nobody approved."""
    a, b = network.actions("a"), network.actions("b")
    a.create_iia(demo_iia(UNI_A, A_ID, UNI_B))
    await network.idle()
    b.copy_partner_iia(UNI_B, UNI_A, A_ID, iia_id=B_ID)
    await network.idle()
    a.map_iia(UNI_A, A_ID, B_ID)
    await network.idle()
    return a, b


async def approve_both(network: MockNetwork) -> None:
    network.actions("b").approve_partner_iia(UNI_B, UNI_A, A_ID)
    network.actions("a").approve_partner_iia(UNI_A, UNI_B, B_ID)
    await network.idle()


# ---------------------------------------------------------------------- IIAs


async def test_the_iia_flow_create_map_approve_modify_reapprove_terminate(
    network: MockNetwork,
) -> None:
    a, b = network.actions("a"), network.actions("b")
    a.create_iia(demo_iia(UNI_A, A_ID, UNI_B))
    (cnr,) = network.node("a").outbox.entries(A_ID, kind=CnrKind.IIA)
    assert cnr.key.partner_hei_id == UNI_B
    await network.idle()
    assert network.node("a").outbox.entries(A_ID, kind=CnrKind.IIA)[0].state is EntryState.DELIVERED
    held = b.partner_copies(UNI_B).get(UNI_A, A_ID)
    assert held is not None
    assert not held.mapped

    b.copy_partner_iia(UNI_B, UNI_A, A_ID, iia_id=B_ID)
    await network.idle()
    theirs = a.partner_copies(UNI_A).get(UNI_B, B_ID)
    assert theirs is not None
    assert theirs.our_iia_id == A_ID
    a.map_iia(UNI_A, A_ID, B_ID)
    await network.idle()
    held = b.partner_copies(UNI_B).get(UNI_A, A_ID)
    assert held is not None
    assert held.our_iia_id == B_ID

    await approve_both(network)
    assert await partner_sees(network, "a", "b", A_ID) is ApprovalState.CURRENT
    assert await partner_sees(network, "b", "a", B_ID) is ApprovalState.CURRENT
    first = a.served(UNI_A, A_ID)
    assert first is not None
    assert first.approved_as_served
    approved_hash = first.iia_hash

    a.modify_iia(UNI_A, A_ID, fewer_months(first.iia))
    await network.idle()
    held = b.partner_copies(UNI_B).get(UNI_A, A_ID)
    assert held is not None
    assert held.approval_outdated  # B's approval quotes the snapshot it approved
    assert held.approved is not None
    assert held.approved.iia_hash == approved_hash
    with pytest.warns(StaleApproval) as warned:  # B shows its approval of the first version
        assert await partner_sees(network, "a", "b", A_ID) is ApprovalState.OLDER
    assert [w.message.approved for w in warned] == [approved_hash]
    modified = a.served(UNI_A, A_ID)
    assert modified is not None
    assert not modified.approved_as_served
    assert modified.last_approved is not None  # the approved version is kept for a revert

    await approve_both(network)
    assert await partner_sees(network, "a", "b", A_ID) is ApprovalState.CURRENT
    assert await partner_sees(network, "b", "a", B_ID) is ApprovalState.CURRENT
    reapproved = a.served(UNI_A, A_ID)
    assert reapproved is not None
    assert reapproved.approved_as_served
    assert reapproved.iia_hash != approved_hash

    a.terminate_iia(UNI_A, A_ID)
    await network.idle()
    held = b.partner_copies(UNI_B).get(UNI_A, A_ID)
    assert held is not None
    assert held.iia.cooperation_conditions.terminated_as_a_whole is True
    record = b.refreshes[-1]
    assert record.outcome is RefreshOutcome.REFRESHED
    assert getattr(record.change, "kind", None) is CopyChangeKind.CHANGED


async def test_a_revert_brings_the_approved_hash_back_and_with_it_both_approvals(
    network: MockNetwork,
) -> None:
    a, b = await mapped_pair(network)
    await approve_both(network)
    approved = a.served(UNI_A, A_ID)
    assert approved is not None
    a.modify_iia(UNI_A, A_ID, fewer_months(approved.iia))
    await network.idle()
    with pytest.warns(StaleApproval) as warned:  # B shows its approval of the reverted version
        assert await partner_sees(network, "a", "b", A_ID) is ApprovalState.OLDER
    assert [w.message.approved for w in warned] == [approved.iia_hash]
    reverted = a.revert_iia(UNI_A, A_ID)
    await network.idle()
    assert reverted.iia_hash == approved.iia_hash
    assert await partner_sees(network, "a", "b", A_ID) is ApprovalState.CURRENT
    held = b.partner_copies(UNI_B).get(UNI_A, A_ID)
    assert held is not None
    assert held.approval_current


async def test_refused_iia_steps_raise_the_library_errors_and_change_nothing(
    network: MockNetwork,
) -> None:
    a, b = network.actions("a"), network.actions("b")
    a.create_iia(demo_iia(UNI_A, A_ID, UNI_B))
    await network.idle()
    with pytest.raises(ApprovalRefusedError) as refused:
        b.approve_partner_iia(UNI_B, UNI_A, A_ID)  # A's copy names no id of B's yet
    assert refused.value.reason == "unmapped"
    assert network.node("b").outbox.entries(kind=CnrKind.IIA_APPROVAL) == []
    with pytest.raises(IiaLifecycleError) as reused:
        a.create_iia(demo_iia(UNI_A, A_ID, UNI_B))
    assert reused.value.reason == "id-reused"
    with pytest.raises(IiaLifecycleError) as unknown:
        b.copy_partner_iia(UNI_B, UNI_A, "never-notified", iia_id="x")
    assert unknown.value.reason == "unknown-iia"
    with pytest.raises(IiaLifecycleError) as never:
        a.terminate_iia(UNI_A, A_ID)
    assert never.value.reason == "never-approved"
    with pytest.raises(ConfigError, match="serves no HEI"):
        a.create_iia(demo_iia(UNI_B, "not-ours", UNI_A))

    a.delete_iia(UNI_A, A_ID)
    with pytest.raises(IiaLifecycleError) as gone:
        a.create_iia(demo_iia(UNI_A, A_ID, UNI_B))
    assert gone.value.reason == "id-reused"


async def test_a_mutually_approved_iia_is_not_deleted(network: MockNetwork) -> None:
    a, _ = await mapped_pair(network)
    await approve_both(network)
    with pytest.raises(IiaLifecycleError) as refused:
        a.delete_iia(UNI_A, A_ID)
    assert refused.value.reason == "mutually-approved"
    async with network.client("b") as client:
        copy = await AsyncIiasClient(client).get_one(UNI_A, A_ID)
    assert copy is not None


async def test_exchanges_under_the_iia_make_termination_a_modification(
    network: MockNetwork,
) -> None:
    a, b = await mapped_pair(network)
    await approve_both(network)
    a.record_exchange(UNI_A, A_ID)
    with pytest.raises(IiaLifecycleError) as refused:
        a.terminate_iia(UNI_A, A_ID)
    assert refused.value.reason == "exchanges-took-place"
    served = a.served(UNI_A, A_ID)
    assert served is not None
    ended = dataclasses.replace(
        served.iia,
        cooperation_conditions=dataclasses.replace(
            served.iia.cooperation_conditions, student_studies=()
        ),
    )
    a.terminate_iia(UNI_A, A_ID, ended)
    await network.idle()
    held = b.partner_copies(UNI_B).get(UNI_A, A_ID)
    assert held is not None
    assert held.iia.cooperation_conditions.student_studies == ()


# ---------------------------------------------------------------------- LAs


async def publish(network: MockNetwork, sender: str, receiver: str) -> None:
    """``sender`` creates the LA and publishes its first proposal; ``receiver`` gets its copy."""
    now = network.clock.now()
    network.actions(sender).publish_la(
        demo_la(HEI[sender], HEI[receiver], LA_ID),
        FIRST_TABLES,
        student_signature=signature("Demo Flow Student", now),
        sending_hei_signature=signature("Ada Coordinator", now, hei_id=HEI[sender]),
    )
    await network.idle()


async def approve(network: MockNetwork, sender: str, receiver: str) -> None:
    await network.actions(receiver).approve_received_la(
        HEI[receiver], HEI[sender], LA_ID, receiving_signer(HEI[receiver], network.clock.now())
    )
    await network.idle()


async def reject(network: MockNetwork, sender: str, receiver: str, comment: str) -> None:
    await network.actions(receiver).comment_received_la(
        HEI[receiver],
        HEI[sender],
        LA_ID,
        receiving_signer(HEI[receiver], network.clock.now()),
        comment,
    )
    await network.idle()


async def propose_added(network: MockNetwork, sender: str) -> str:
    """``sender`` proposes the Wind Tunnel Lab added (a major change); the new proposal id."""
    at = network.actions(sender)
    state = at.la(HEI[sender], LA_ID)
    assert state is not None
    tables = latest_tables(state.la)
    now = network.clock.now()
    step = at.propose_la(
        HEI[sender],
        LA_ID,
        dataclasses.replace(tables, components_studied=(*tables.components_studied, ADDED)),
        student_signature=signature("Demo Flow Student", now),
        sending_hei_signature=signature("Ada Coordinator", now, hei_id=HEI[sender]),
        reasons={ADDED: ChangeReason(code=ReasonCode.EXTENDING_MOBILITY)},
    )
    await network.idle()
    assert step.state.proposal_id is not None
    return step.state.proposal_id


def events(network: MockNetwork, receiver: str) -> tuple[LaVersionEvent, ...]:
    record = network.actions(receiver).refreshes[-1]
    assert record.notification.kind is CnrKind.LA
    assert record.outcome is RefreshOutcome.REFRESHED
    return tuple(getattr(record.change, "events", ()))


DIRECTIONS = pytest.mark.parametrize(
    ("sender", "receiver"), [("a", "b"), ("b", "a")], ids=["a-sends", "b-sends"]
)


@DIRECTIONS
async def test_approve_before_mobility(network: MockNetwork, sender: str, receiver: str) -> None:
    await publish(network, sender, receiver)
    copy = network.actions(receiver).received_la(HEI[receiver], HEI[sender], LA_ID)
    assert copy is not None
    assert copy.status is VersionStatus.AWAITING
    assert events(network, receiver) == (LaVersionEvent.PROPOSED,)
    await approve(network, sender, receiver)
    assert events(network, receiver) == (LaVersionEvent.FIRST_VERSION_APPROVED,)
    copy = network.actions(receiver).received_la(HEI[receiver], HEI[sender], LA_ID)
    assert copy is not None
    assert copy.status is VersionStatus.APPROVED
    first = copy.la.first_version
    assert first is not None
    assert first.receiving_hei_signature is not None
    assert first.receiving_hei_signature.signer_email == f"erasmus@{HEI[receiver]}"
    state = network.actions(sender).la(HEI[sender], LA_ID)
    assert state is not None
    assert state.status is VersionStatus.APPROVED


@DIRECTIONS
async def test_reject_before_mobility(network: MockNetwork, sender: str, receiver: str) -> None:
    await publish(network, sender, receiver)
    await reject(network, sender, receiver, "This course is not offered in autumn.")
    state = network.actions(sender).la(HEI[sender], LA_ID)
    assert state is not None
    assert state.status is VersionStatus.REJECTED
    assert state.rejection is not None
    assert state.rejection.comment == "This course is not offered in autumn."
    copy = network.actions(receiver).received_la(HEI[receiver], HEI[sender], LA_ID)
    assert copy is not None
    assert copy.status is VersionStatus.REJECTED
    assert copy.la.first_version is None
    with pytest.raises(LaUpdateError) as late:  # the commented proposal cannot be approved now
        await approve(network, sender, receiver)
    assert late.value.status == 409


@DIRECTIONS
async def test_approve_a_during_mobility_change(
    network: MockNetwork, sender: str, receiver: str
) -> None:
    await publish(network, sender, receiver)
    await approve(network, sender, receiver)
    first_id = network.actions(receiver).received_la(HEI[receiver], HEI[sender], LA_ID)
    proposal_id = await propose_added(network, sender)
    copy = network.actions(receiver).received_la(HEI[receiver], HEI[sender], LA_ID)
    assert copy is not None
    assert copy.proposal_id == proposal_id
    assert first_id is not None
    assert copy.la.first_version == first_id.la.first_version  # the first version never changes
    assert events(network, receiver) == (LaVersionEvent.PROPOSED,)
    await approve(network, sender, receiver)
    assert events(network, receiver) == (LaVersionEvent.CHANGES_APPROVED,)
    copy = network.actions(receiver).received_la(HEI[receiver], HEI[sender], LA_ID)
    assert copy is not None
    assert copy.status is VersionStatus.APPROVED
    approved = copy.la.approved_changes
    assert approved is not None
    assert ADDED.los_code in [c.los_code for c in approved.table("components_studied")]


@DIRECTIONS
async def test_reject_a_during_mobility_change(
    network: MockNetwork, sender: str, receiver: str
) -> None:
    await publish(network, sender, receiver)
    await approve(network, sender, receiver)
    await propose_added(network, sender)
    await reject(network, sender, receiver, "The lab is full.")
    state = network.actions(sender).la(HEI[sender], LA_ID)
    assert state is not None
    assert state.status is VersionStatus.REJECTED
    assert state.la.approved_changes is None
    copy = network.actions(receiver).received_la(HEI[receiver], HEI[sender], LA_ID)
    assert copy is not None
    assert copy.status is VersionStatus.REJECTED
    assert copy.la.first_version is not None


async def test_a_minor_amendment_sends_an_la_cnr_and_asks_for_no_new_signature(
    network: MockNetwork,
) -> None:
    await publish(network, "a", "b")
    await approve(network, "a", "b")
    a = network.actions("a")
    before = a.la(UNI_A, LA_ID)
    assert before is not None
    delivered = len(network.node("b").received)
    step = a.amend_la(UNI_A, LA_ID, dataclasses.replace(before.la, end_date=date(2028, 2, 15)))
    assert step.amendment is not None
    assert step.amendment.kind is AmendmentKind.MINOR
    assert [n.omobility_id for n in step.notifications] == [LA_ID]
    await network.idle()
    assert len(network.node("b").received) == delivered + 1
    record = network.actions("b").refreshes[-1]
    assert getattr(record.change, "kind", None) is LaCopyChangeKind.AMENDED
    copy = network.actions("b").received_la(UNI_B, UNI_A, LA_ID)
    assert copy is not None
    assert copy.la.end_date == date(2028, 2, 15)
    assert copy.la.first_version == before.la.first_version  # the same three signatures
    assert copy.la.changes_proposal is None
    after = a.la(UNI_A, LA_ID)
    assert after is not None
    assert after.status is VersionStatus.APPROVED


async def test_refused_la_steps_raise_the_library_errors(network: MockNetwork) -> None:
    await publish(network, "a", "b")
    await approve(network, "a", "b")
    a, b = network.actions("a"), network.actions("b")
    state = a.la(UNI_A, LA_ID)
    assert state is not None
    tables = latest_tables(state.la)
    renamed = dataclasses.replace(state.la.student, family_name="Renamed")
    with pytest.raises(LifecycleError, match="new proposal"):  # identity: re-validation
        a.amend_la(UNI_A, LA_ID, dataclasses.replace(state.la, student=renamed))
    now = network.clock.now()
    with pytest.raises(LifecycleError, match="nothing needing re-validation"):
        a.propose_la(
            UNI_A,
            LA_ID,
            tables,
            student_signature=signature("Demo Flow Student", now),
            sending_hei_signature=signature("Ada Coordinator", now, hei_id=UNI_A),
        )
    with pytest.raises(LifecycleError, match="already has"):
        a.create_la(demo_la(UNI_A, UNI_B, LA_ID))
    with pytest.raises(LifecycleError, match="already has"):
        a.publish_la(
            demo_la(UNI_A, UNI_B, LA_ID),
            tables,
            student_signature=signature("Demo Flow Student", now),
            sending_hei_signature=signature("Ada Coordinator", now, hei_id=UNI_A),
        )
    with pytest.raises(LifecycleError, match="no pending proposal"):
        await b.approve_received_la(UNI_B, UNI_A, LA_ID, receiving_signer(UNI_B, now))
    with pytest.raises(LifecycleError, match="no copy"):
        await b.approve_received_la(UNI_B, UNI_A, "unknown-la", receiving_signer(UNI_B, now))
    assert a.la(UNI_A, LA_ID) == state


def test_each_node_owns_one_desk() -> None:
    network = two_nodes()
    node = network.node("a")
    assert isinstance(node.actions, NodeActions)
    assert node.actions.node is node
    assert network.actions("a") is node.actions is node_of_app(network.app("a")).actions
    assert network.actions("a") is not network.actions("b")
    with pytest.raises(ConfigError, match="serves no HEI"):
        network.actions("a").book(UNI_B)
