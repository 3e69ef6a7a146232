"""IIA Approval v2 client: reading the partner's approvals of our IIAs, and what they mean.

The partner serves its approvals with the library's builder
(``render_approval_response``, from its approval records) after reading our
request with ``read_iia_ids``, as the mock partner will.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qsl

import httpx
import pytest

from ewp_client.client import (
    AsyncIiaApprovalClient,
    IiaApprovalClient,
    RetryPolicy,
)
from ewp_client.client.iia_approval import approval_calls
from ewp_client.error_response import render_error_response
from ewp_client.errors import BadRequest, PartnerServerError, SchemaValidationError
from ewp_client.iia import compute_iia_hashes
from ewp_client.iia.approval import (
    ApprovalRecord,
    ApprovalState,
    PartnerApproval,
    approve,
    render_approval_response,
)
from ewp_client.models import IiaApproval, IiasApprovalResponse
from ewp_client.namespaces import IIAS_APPROVAL_V2_NS
from ewp_client.server.iias import read_iia_ids
from tests.iia.served_copies import copy_of, months_changed, served
from tests.support.network import PARTNER, PARTNER_BASE, US, Network, make_network


def ours(iia_id: str, months: str = "5") -> bytes:
    """Our copy ``iia_id`` as we serve it, mapped to the partner's ``p-<n>``."""
    copy = copy_of(US, iia_id, PARTNER, "p-" + iia_id.removeprefix("o-"))
    return served(months_changed(copy, months))


def their_record(our_copy: bytes) -> ApprovalRecord:
    """The partner's approval of our copy as it is now."""
    return approve(our_copy, partner_hei_id=US)


class ApprovingHei:
    """The partner's IIA Approval endpoint, serving its approval records."""

    def __init__(self, *records: ApprovalRecord, max_ids: int = 3) -> None:
        self.records = list(records)
        self.max_ids = max_ids
        self.failures: list[int] = []
        self.body: bytes | None = None

    def __call__(self, request: httpx.Request) -> httpx.Response:
        headers = {"Content-Type": "text/xml"}
        if self.failures:
            status = self.failures.pop(0)
            return httpx.Response(status, content=render_error_response(f"failure {status}"))
        if self.body is not None:
            return httpx.Response(200, content=self.body, headers=headers)
        query = request.content.decode() if request.method == "POST" else request.url.query.decode()
        try:
            ids = read_iia_ids(parse_qsl(query), max_ids=self.max_ids)
        except BadRequest as exc:
            return httpx.Response(400, content=render_error_response(str(exc)))
        body = render_approval_response(self.records, ids, caller_hei_id=US)
        return httpx.Response(200, content=body, headers=headers)


@pytest.fixture
def net(tmp_path: Path) -> Network:
    return make_network(tmp_path, max_ids=2)


def approval_client(net: Network, partner: ApprovingHei, **kw: object) -> IiaApprovalClient:
    return IiaApprovalClient(net.client(partner, **kw))


def asked(net: Network) -> list[list[str]]:
    return [[v for k, v in parse_qsl(r.url.query.decode()) if k == "iia_id"] for r in net.requests]


def test_get_is_batched_by_max_iia_ids_and_merged(net: Network) -> None:
    records = [their_record(ours(f"o-{n}")) for n in (1, 3)]
    answer = approval_client(net, ApprovingHei(*records)).get(PARTNER, ["o-1", "o-2", "o-3"])
    assert answer == IiasApprovalResponse(approvals=tuple(r.approval() for r in records))
    assert asked(net) == [["o-1", "o-2"], ["o-3"]]
    assert all(str(r.url).startswith(f"{PARTNER_BASE}/iias-approval?") for r in net.requests)


def test_get_of_no_ids_sends_nothing(net: Network) -> None:
    assert approval_client(net, ApprovingHei()).get(PARTNER, []) == IiasApprovalResponse()
    assert net.requests == []


def test_status_tells_current_older_and_none(net: Network) -> None:
    now = {n: ours(f"o-{n}") for n in (1, 2, 3)}
    partner = ApprovingHei(their_record(now[1]), their_record(ours("o-2", months="4")))
    current = {f"o-{n}": compute_iia_hashes(document)[0].sha256 for n, document in now.items()}
    status = approval_client(net, partner).status(PARTNER, current)
    older = compute_iia_hashes(ours("o-2", months="4"))[0].sha256
    assert status == {
        "o-1": PartnerApproval(
            iia_id="o-1",
            state=ApprovalState.CURRENT,
            current_hash=current["o-1"],
            approved_hash=current["o-1"],
        ),
        "o-2": PartnerApproval(
            iia_id="o-2",
            state=ApprovalState.OLDER,
            current_hash=current["o-2"],
            approved_hash=older,
        ),
        "o-3": PartnerApproval(iia_id="o-3", state=ApprovalState.NONE, current_hash=current["o-3"]),
    }
    assert older != current["o-2"]


def test_status_reads_our_served_copies_directly(net: Network) -> None:
    document = ours("o-1")
    client = approval_client(net, ApprovingHei(their_record(document)))
    status = client.status(PARTNER, compute_iia_hashes(document))
    assert status["o-1"].state is ApprovalState.CURRENT
    assert asked(net) == [["o-1"]]


def test_an_approval_without_iia_id_is_a_schema_validation_error(net: Network) -> None:
    partner = ApprovingHei()
    partner.body = (
        f'<iias-approval-response xmlns="{IIAS_APPROVAL_V2_NS}"><approval>'
        f"<iia-hash>{'a' * 64}</iia-hash></approval></iias-approval-response>"
    ).encode()
    with pytest.raises(SchemaValidationError) as info:
        approval_client(net, partner).get(PARTNER, ["o-1"])
    assert "iia-id" in str(info.value)


def test_reads_are_retried_on_503_then_typed(net: Network) -> None:
    partner = ApprovingHei()
    partner.failures = [503, 503]
    with pytest.raises(PartnerServerError) as info:
        approval_client(net, partner, retry=RetryPolicy(attempts=2)).get(PARTNER, ["o-1"])
    assert info.value.status == 503
    assert len(net.requests) == 2


def test_400_is_a_bad_request_and_not_retried(net: Network) -> None:
    partner = ApprovingHei()
    partner.failures = [400]
    with pytest.raises(BadRequest) as info:
        approval_client(net, partner).get(PARTNER, ["o-1"])
    assert info.value.developer_message == "failure 400"
    assert len(net.requests) == 1


def test_long_requests_go_as_post_forms() -> None:
    ids = [c * 64 for c in "ab"]
    (call,) = approval_calls(PARTNER, ids, max_ids=2, max_query_length=100)
    assert (call.method, call.params) == ("POST", (("iia_id", ids[0]), ("iia_id", ids[1])))
    (short,) = approval_calls(PARTNER, ids[:1], max_ids=2)
    assert short.method == "GET"


def test_the_partner_serves_only_its_records_for_the_ids_asked() -> None:
    record = ApprovalRecord(partner_hei_id=US, iia_id="o-1", iia_hash="c" * 64)
    other = ApprovalRecord(partner_hei_id="west.example.org", iia_id="o-2", iia_hash="d" * 64)
    partner = ApprovingHei(record, other)
    request = httpx.Request("GET", f"{PARTNER_BASE}/iias-approval?iia_id=o-1&iia_id=o-2")
    assert partner(request).content == render_approval_response([record], ["o-1"], caller_hei_id=US)
    too_many = httpx.Request(
        "GET", f"{PARTNER_BASE}/iias-approval?iia_id=1&iia_id=2&iia_id=3&iia_id=4"
    )
    assert partner(too_many).status_code == 400


# ------------------------------------------------------------------- async twins


def async_client(net: Network, partner: ApprovingHei) -> AsyncIiaApprovalClient:
    return AsyncIiaApprovalClient(net.async_client(partner))


async def test_async_get_and_status(net: Network) -> None:
    document = ours("o-1")
    partner = ApprovingHei(their_record(document))
    client = async_client(net, partner)
    answer = await client.get(PARTNER, ["o-1", "o-2", "o-3"])
    assert [a.iia_id for a in answer.approvals] == ["o-1"]
    assert asked(net) == [["o-1", "o-2"], ["o-3"]]
    status = await client.status(PARTNER, {"o-1": "f" * 64})
    assert status["o-1"] == PartnerApproval(
        iia_id="o-1",
        state=ApprovalState.OLDER,
        current_hash="f" * 64,
        approved_hash=compute_iia_hashes(document)[0].sha256,
    )


async def test_async_400_is_a_bad_request(net: Network) -> None:
    partner = ApprovingHei()
    partner.failures = [400]
    with pytest.raises(BadRequest):
        await async_client(net, partner).get(PARTNER, ["o-1"])


def test_approval_model_round_trip_keeps_the_pdf_file() -> None:
    record = ApprovalRecord(partner_hei_id=US, iia_id="o-1", iia_hash="e" * 64, pdf_file="f-1")
    assert record.approval() == IiaApproval(iia_id="o-1", iia_hash="e" * 64, pdf_file="f-1")
