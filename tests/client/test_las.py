"""OMobility LAs v1.2 client operations, against the mock partner app and a broken partner.

Reads and updates go to the mock partner app in process
(tests/support/mock_partner.py): the sending HEI's node serves learning
agreements built from models written for these tests, records our approvals
and comments, answers 409 to a stale or repeated decision and 400 to an LA it
does not send, verifies our HTTP Signatures and signs its answers. What a
correct node does not do is played by the broken partner of
tests/support/network.py, which also verifies and signs: answering 5xx or a
schema-invalid update answer, answering batches out of order, and updates
scripted per test, such as applying an approval and then losing the answer
(timeout), or losing the LA. A repeated comment found recorded on re-read
stays there too: the mock node does not show a comment in the LA it serves.
"""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from urllib.parse import parse_qsl

import httpx
import pytest
from lxml import etree

from ewp_client.client import (
    AsyncLasClient,
    LasClient,
    MobilityType,
    RetryPolicy,
    Signer,
)
from ewp_client.client.las import approve_request, comment_request, get_calls
from ewp_client.codec import decode, encode
from ewp_client.error_response import render_error_response
from ewp_client.errors import (
    AlreadyApplied,
    BadRequest,
    ConfigError,
    EditConflict,
    LaUpdateError,
    PartnerServerError,
    TransportError,
    XmlError,
)
from ewp_client.models import (
    ChangesProposal,
    LasGetResponse,
    LasIndexResponse,
    LasStatsResponse,
    LasUpdateRequest,
    LasUpdateResponse,
    LearningAgreement,
    ListOfComponents,
    MobilityInstitution,
    MultilineStringWithOptionalLang,
    OutgoingLaStats,
)
from ewp_client.namespaces import LAS_GET_NS, LAS_UPDATE_REQUEST_NS
from ewp_client.ola import ProposalComment, SendingLa
from ewp_client.xml import parse_xml, validate
from ewp_mock.config import IdLimits
from ewp_mock.data import HeiData
from tests.codec.roundtrip import shape
from tests.codec.samples import learning_agreement
from tests.support.mock_partner import MockPartner, institution, mock_partner, partner_data
from tests.support.network import PARTNER, PARTNER_BASE, US, Network, Sleeps, make_network

CET = timezone(timedelta(hours=1))

SIGNER = Signer(
    name="Jonas Berg",
    position="Erasmus coordinator",
    email="jonas@receiving.example.org",
    timestamp=datetime(2025, 11, 5, 10, 15, 30, tzinfo=CET),
    app="Receiving SIS",
)


# ------------------------------------------------------------------ the partner


def la(
    omobility_id: str = "om-0001", *, proposal_id: str | None = "proposal-1"
) -> LearningAgreement:
    """An LA of the partner's, with a pending changes proposal ``proposal_id``."""
    base = learning_agreement()
    proposal = base.changes_proposal
    assert proposal is not None
    return dataclasses.replace(
        base,
        omobility_id=omobility_id,
        sending_hei=dataclasses.replace(base.sending_hei, hei_id=PARTNER),
        receiving_hei=MobilityInstitution(
            hei_id=US, contact_person=base.receiving_hei.contact_person
        ),
        changes_proposal=None
        if proposal_id is None
        else dataclasses.replace(proposal, id=proposal_id),
    )


def approved(
    agreement: LearningAgreement, signer: Signer, *, utc: bool = False
) -> LearningAgreement:
    """``agreement`` after the sending HEI recorded ``signer``'s approval of its proposal.

    ``utc=True``: the partner stores the timestamp converted to UTC, as some do.
    """
    proposal = agreement.changes_proposal
    assert proposal is not None
    signature = signer.signature()
    if utc:
        signature = dataclasses.replace(signature, timestamp=signature.timestamp.astimezone(UTC))
    fields = {f.name: getattr(proposal, f.name) for f in dataclasses.fields(ListOfComponents)}
    fields["receiving_hei_signature"] = signature
    return dataclasses.replace(
        agreement, approved_changes=ListOfComponents(**fields), changes_proposal=None
    )


def commented(agreement: LearningAgreement, signer: Signer) -> LearningAgreement:
    """``agreement`` after the sending HEI recorded ``signer``'s comment on its proposal."""
    proposal = agreement.changes_proposal
    assert proposal is not None
    return dataclasses.replace(
        agreement,
        changes_proposal=dataclasses.replace(proposal, receiving_hei_signature=signer.signature()),
    )


def xml(body: bytes, status: int = 200) -> httpx.Response:
    return httpx.Response(status, content=body, headers={"Content-Type": "text/xml"})


def form(request: httpx.Request) -> list[tuple[str, str]]:
    if request.method == "POST":
        return parse_qsl(request.content.decode())
    return parse_qsl(request.url.query.decode())


UPDATED = encode(
    LasUpdateResponse(
        success_user_messages=(
            MultilineStringWithOptionalLang(value="Approval recorded", lang="en"),
        )
    )
)

CONFLICT = render_error_response(
    "changes-proposal-id is not current",
    "Your copy of the LA is out of date. Refresh it and repeat.",
)

Update = Callable[["Partner", httpx.Request], httpx.Response]

Serve = Callable[..., MockPartner]


@pytest.fixture
def serve(tmp_path: Path) -> Iterator[Serve]:
    """``serve(*las, max_ids=3, rejected=(), stats_portal=False)``: the partner's node sending
    ``las`` (``rejected``: LAs whose current proposal we rejected)."""
    made: list[MockPartner] = []

    def make(
        *las: LearningAgreement,
        max_ids: int = 3,
        rejected: tuple[LearningAgreement, ...] = (),
        stats_portal: bool = False,
    ) -> MockPartner:
        states = [SendingLa.published(a) for a in las]
        states += [
            SendingLa.published(a, ProposalComment(str(proposal_id(a)), "No.", SIGNER.signature()))
            for a in rejected
        ]
        data = HeiData(institution=institution(PARTNER), las={s.la.omobility_id: s for s in states})
        partner = mock_partner(
            tmp_path,
            partner_data(data),
            max_ids=IdLimits(omobility_ids=max_ids),
            stats_portal=stats_portal,
        )
        made.append(partner)
        return partner

    yield make
    for partner in made:
        partner.close()


def proposal_id(agreement: LearningAgreement) -> str | None:
    return None if agreement.changes_proposal is None else agreement.changes_proposal.id


def reader(partner: MockPartner) -> LasClient:
    return LasClient(partner.client())


class Partner:
    """A broken sending HEI's LAs endpoints: scripted failures, updates and answer orders."""

    def __init__(self, *las: LearningAgreement, index: tuple[str, ...] = ()) -> None:
        self.las = {agreement.omobility_id: agreement for agreement in las}
        self.index = index
        self.on_update: Update = lambda partner, request: xml(UPDATED)
        self.fail_first: dict[str, list[int]] = {}
        self.reverse_batches = False

    def __call__(self, request: httpx.Request) -> httpx.Response:
        endpoint = request.url.path.removeprefix("/ewp/las/")
        if failures := self.fail_first.get(endpoint):
            status = failures.pop(0)
            return xml(render_error_response(f"failure {status}"), status)
        if endpoint == "update":
            return self.on_update(self, request)
        params = form(request)
        if endpoint == "get":
            asked = [v for k, v in params if k == "omobility_id"]
            found = [self.las[i] for i in asked if i in self.las]
            if self.reverse_batches:
                found.reverse()
            return xml(encode(LasGetResponse(las=tuple(found))))
        if endpoint == "index":
            return xml(encode(LasIndexResponse(omobility_ids=self.index)))
        if endpoint == "stats":
            return xml(
                encode(
                    LasStatsResponse(
                        academic_years=(
                            OutgoingLaStats(
                                receiving_academic_year_id="2025/2026",
                                la_outgoing_total=12,
                                la_outgoing_not_modified_after_approval=5,
                                la_outgoing_modified_after_approval=3,
                                la_outgoing_latest_version_approved=8,
                                la_outgoing_latest_version_rejected=1,
                                la_outgoing_latest_version_awaiting=3,
                            ),
                        )
                    )
                )
            )
        return httpx.Response(404)


@pytest.fixture
def net(tmp_path: Path) -> Network:
    return make_network(tmp_path, max_ids=3)


def las_client(net: Network, partner: Partner, **kw: object) -> LasClient:
    return LasClient(net.client(partner, **kw))


def paths(net: Network | MockPartner) -> list[str]:
    """``METHOD endpoint`` of each request sent (the mock's stats URL names the HEI after it)."""
    return [
        f"{r.method} {r.url.path.removeprefix('/ewp/las/').split('/')[0]}" for r in net.requests
    ]


def timeout_after(effect: Callable[[Partner], None]) -> Update:
    """The partner applies the update (``effect``) and the answer is lost."""

    def update(partner: Partner, request: httpx.Request) -> httpx.Response:
        effect(partner)
        raise httpx.ReadTimeout("timed out reading the answer", request=request)

    return update


def conflict_after(effect: Callable[[Partner], None]) -> Update:
    def update(partner: Partner, request: httpx.Request) -> httpx.Response:
        effect(partner)
        return xml(CONFLICT, 409)

    return update


def approve_in_partner(partner: Partner, *, utc: bool = False) -> None:
    partner.las["om-0001"] = approved(partner.las["om-0001"], SIGNER, utc=utc)


# ------------------------------------------------------------------------ reads


def test_get_is_batched_by_max_omobility_ids_and_keeps_the_asked_order(serve: Serve) -> None:
    ids = [f"om-{n:04d}" for n in range(1, 8)]
    mock = serve(*(la(i) for i in ids if i != "om-0005"))
    found = reader(mock).get(PARTNER, [*ids, "om-0002"])
    assert [a.omobility_id for a in found] == [i for i in ids if i != "om-0005"]
    assert [form(r) for r in mock.requests] == [
        [("sending_hei_id", PARTNER), *(("omobility_id", i) for i in ids[k : k + 3])]
        for k in (0, 3, 6)
    ]
    assert paths(mock) == ["GET get"] * 3


def test_get_keeps_the_asked_order_when_a_partner_answers_batches_reversed(net: Network) -> None:
    ids = [f"om-{n:04d}" for n in range(1, 8)]
    partner = Partner(*(la(i) for i in ids if i != "om-0005"))
    partner.reverse_batches = True
    found = las_client(net, partner).get(PARTNER, [*ids, "om-0002"])
    assert [a.omobility_id for a in found] == [i for i in ids if i != "om-0005"]
    assert paths(net) == ["GET get"] * 3


def test_get_of_no_ids_sends_nothing(serve: Serve) -> None:
    mock = serve(la())
    assert reader(mock).get(PARTNER, []) == ()
    assert mock.requests == []


def test_long_get_goes_as_a_post_form(serve: Serve) -> None:
    ids = [f"urn:example:mobility:{n:040d}" for n in range(60)]
    mock = serve(la(ids[59]), max_ids=100)
    found = reader(mock).get(PARTNER, ids)
    assert [a.omobility_id for a in found] == [ids[59]]
    sent = mock.requests[0]
    assert sent.method == "POST"
    assert sent.url.query == b""
    assert sent.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert [v for k, v in form(sent) if k == "omobility_id"] == ids


def test_short_get_is_a_get_with_a_query(serve: Serve) -> None:
    mock = serve(la())
    (found,) = reader(mock).get(PARTNER, ["om-0001"])
    assert found == la()
    sent = mock.requests[0]
    assert (sent.method, sent.content) == ("GET", b"")
    assert sent.url.query == f"sending_hei_id={PARTNER}&omobility_id=om-0001".encode()


def test_get_batches_choose_get_or_post_each_by_its_own_length() -> None:
    calls = get_calls(PARTNER, ["a", "b" * 80, "c"], max_ids=2, max_query_length=60)
    assert [c.method for c in calls] == ["POST", "GET"]


GLOBAL_ID = learning_agreement().student.global_id


def test_index_sends_every_filter(serve: Serve) -> None:
    later = dataclasses.replace(la("om-0003"), receiving_academic_year_id="2026/2027")
    mock = serve(la("om-0001"), la("om-0002"), later)
    since = datetime(2025, 9, 1, 8, 0, tzinfo=CET)
    ids = reader(mock).index(
        PARTNER,
        receiving_hei_id=[US, "other.example.org"],
        receiving_academic_year_id="2025/2026",
        global_id=GLOBAL_ID,
        mobility_type=MobilityType.SEMESTER,
        modified_since=since,
    )
    assert ids == ("om-0001", "om-0002")
    sent = mock.requests[0]
    assert sent.method == "GET"
    assert sent.url.path == "/ewp/las/index"
    assert form(sent) == [
        ("sending_hei_id", PARTNER),
        ("receiving_hei_id", US),
        ("receiving_hei_id", "other.example.org"),
        ("receiving_academic_year_id", "2025/2026"),
        ("global_id", GLOBAL_ID),
        ("mobility_type", "semester"),
        ("modified_since", "2025-09-01T08:00:00+01:00"),
    ]


def test_index_without_filters_sends_only_the_sending_hei(serve: Serve) -> None:
    mock = serve()
    assert reader(mock).index(PARTNER) == ()
    assert mock.requests[0].url.query == f"sending_hei_id={PARTNER}".encode()


@pytest.mark.parametrize("mobility_type", ["blended", "doctoral"])
def test_index_accepts_mobility_types_as_strings(serve: Serve, mobility_type: str) -> None:
    mock = serve(la())  # a semester mobility: not listed
    assert reader(mock).index(PARTNER, receiving_hei_id=US, mobility_type=mobility_type) == ()
    assert form(mock.requests[0])[1:] == [
        ("receiving_hei_id", US),
        ("mobility_type", mobility_type),
    ]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"mobility_type": "erasmus"}, "mobility_type"),
        ({"modified_since": datetime(2025, 9, 1)}, "timezone-aware"),
    ],
)
def test_index_refuses_unusable_filters(
    serve: Serve, kwargs: dict[str, object], message: str
) -> None:
    mock = serve()
    with pytest.raises(ConfigError, match=message):
        reader(mock).index(PARTNER, **kwargs)  # type: ignore[arg-type]
    assert mock.requests == []


def test_stats_are_read_and_decoded(serve: Serve) -> None:
    approved_one = approved(la("om-0002"), SIGNER)
    mock = serve(la("om-0001"), approved_one, rejected=(la("om-0003"),), stats_portal=True)
    stats = reader(mock).stats(PARTNER)
    (year,) = stats.academic_years
    assert (
        year.receiving_academic_year_id,
        year.la_outgoing_total,
        year.la_outgoing_latest_version_approved,
        year.la_outgoing_latest_version_rejected,
        year.la_outgoing_latest_version_awaiting,
    ) == ("2025/2026", 3, 1, 1, 1)
    assert paths(mock) == ["GET stats"]
    assert mock.requests[0].url.query == b""


@pytest.mark.parametrize("operation", ["get", "index", "stats"])
def test_reads_are_retried_on_503_with_backoff(net: Network, operation: str) -> None:
    partner = Partner(la(), index=("om-0001",))
    partner.fail_first[operation] = [503, 503]
    sleeps = Sleeps()
    client = las_client(net, partner, sleep=sleeps, retry=RetryPolicy(attempts=3, backoff=2))
    if operation == "get":
        assert client.get(PARTNER, ["om-0001"])
    elif operation == "index":
        assert client.index(PARTNER) == ("om-0001",)
    else:
        assert client.stats(PARTNER).academic_years
    assert sleeps == [2.0, 4.0]
    assert paths(net) == [f"GET {operation}"] * 3


def test_reads_give_up_with_the_typed_server_error(net: Network) -> None:
    partner = Partner(la())
    partner.fail_first["get"] = [503, 502]
    client = las_client(net, partner, retry=RetryPolicy(attempts=2))
    with pytest.raises(PartnerServerError) as info:
        client.get(PARTNER, ["om-0001"])
    assert info.value.status == 502


# ---------------------------------------------------------------------- updates


def wire(request: httpx.Request) -> etree._Element:
    """The update as sent: schema-valid, and parsed for comparison."""
    assert request.method == "POST"
    assert request.headers["Content-Type"].startswith("text/xml")
    validate(request.content)
    return parse_xml(request.content).getroot()


SIGNATURE_XML = f"""
    <signature>
      <la:signer-name xmlns:la="{LAS_GET_NS}">Jonas Berg</la:signer-name>
      <la:signer-position xmlns:la="{LAS_GET_NS}">Erasmus coordinator</la:signer-position>
      <la:signer-email xmlns:la="{LAS_GET_NS}">jonas@receiving.example.org</la:signer-email>
      <la:timestamp xmlns:la="{LAS_GET_NS}">2025-11-05T10:15:30+01:00</la:timestamp>
      <la:signer-app xmlns:la="{LAS_GET_NS}">Receiving SIS</la:signer-app>
    </signature>"""


def test_approve_sends_a_schema_valid_approve_proposal(serve: Serve) -> None:
    mock = serve(la())
    client = reader(mock)
    response = client.approve(PARTNER, "om-0001", "proposal-1", SIGNER)
    expected = f"""
      <omobility-las-update-request xmlns="{LAS_UPDATE_REQUEST_NS}">
        <sending-hei-id>{PARTNER}</sending-hei-id>
        <approve-proposal-v1>
          <omobility-id>om-0001</omobility-id>
          <changes-proposal-id>proposal-1</changes-proposal-id>{SIGNATURE_XML}
        </approve-proposal-v1>
      </omobility-las-update-request>"""
    assert mock.requests[0].url == f"{PARTNER_BASE}/las/update"
    assert shape(wire(mock.requests[0])) == shape(etree.fromstring(expected))
    assert response.success_user_messages
    assert paths(mock) == ["POST update"]
    (now,) = client.get(PARTNER, ["om-0001"])  # the partner recorded our approval
    assert now.changes_proposal is None
    assert now.approved_changes is not None
    assert now.approved_changes.receiving_hei_signature == SIGNER.signature()


def test_comment_sends_a_schema_valid_comment_proposal(serve: Serve) -> None:
    mock = serve(la())
    response = reader(mock).comment(
        PARTNER, "om-0001", "proposal-1", SIGNER, "Topology is offered in the spring term only."
    )
    expected = f"""
      <omobility-las-update-request xmlns="{LAS_UPDATE_REQUEST_NS}">
        <sending-hei-id>{PARTNER}</sending-hei-id>
        <comment-proposal-v1>
          <omobility-id>om-0001</omobility-id>
          <changes-proposal-id>proposal-1</changes-proposal-id>
          <comment>Topology is offered in the spring term only.</comment>{SIGNATURE_XML}
        </comment-proposal-v1>
      </omobility-las-update-request>"""
    assert shape(wire(mock.requests[0])) == shape(etree.fromstring(expected))
    assert response.success_user_messages


def test_409_with_the_approval_not_recorded_is_an_update_error_from_the_conflict(
    serve: Serve,
) -> None:
    mock = serve(la(proposal_id="proposal-2"))  # the partner proposed again meanwhile
    with pytest.raises(LaUpdateError) as info:
        reader(mock).approve(PARTNER, "om-0001", "proposal-1", SIGNER)
    error = info.value
    assert type(error) is LaUpdateError
    assert error.status == 409
    conflict = error.error
    assert isinstance(conflict, EditConflict)
    assert error.__cause__ is conflict
    assert "proposal-1" in (conflict.developer_message or "")
    assert conflict.user_message  # the spec: a 409 SHOULD say what to do
    assert error.update_request == approve_request(PARTNER, "om-0001", "proposal-1", SIGNER)
    assert error.reread is True
    assert error.reread_error is None
    reread = error.learning_agreement
    assert reread is not None
    assert reread.changes_proposal is not None
    assert reread.changes_proposal.id == "proposal-2"
    assert str(error) == (
        "our approval of changes proposal 'proposal-1' of mobility 'om-0001' failed: "
        f"{conflict}; re-read: it is not recorded; the current changes proposal is 'proposal-2'"
    )
    assert paths(mock) == ["POST update", "GET get"]


def test_409_with_our_approval_recorded_is_already_applied(serve: Serve) -> None:
    mock = serve(la())
    client = reader(mock)
    client.approve(PARTNER, "om-0001", "proposal-1", SIGNER)
    with pytest.raises(AlreadyApplied) as info:  # the same approval sent again
        client.approve(PARTNER, "om-0001", "proposal-1", SIGNER)
    assert isinstance(info.value, LaUpdateError)
    assert isinstance(info.value.__cause__, EditConflict)
    assert info.value.error is info.value.__cause__
    assert info.value.status == 409
    assert info.value.update_request == approve_request(PARTNER, "om-0001", "proposal-1", SIGNER)
    reread = info.value.learning_agreement
    assert reread is not None
    assert reread.approved_changes is not None
    assert paths(mock) == ["POST update", "POST update", "GET get"]


@pytest.mark.parametrize("utc", [False, True], ids=["same-offset", "stored-in-utc"])
def test_timeout_with_our_approval_recorded_is_already_applied(net: Network, utc: bool) -> None:
    partner = Partner(la())
    partner.on_update = timeout_after(lambda p: approve_in_partner(p, utc=utc))
    with pytest.raises(AlreadyApplied) as info:
        las_client(net, partner).approve(PARTNER, "om-0001", "proposal-1", SIGNER)
    assert isinstance(info.value.__cause__, TransportError)
    assert info.value.status is None
    assert paths(net) == ["POST update", "GET get"]


def test_timeout_with_nothing_recorded_is_an_update_error_from_the_transport_error(
    net: Network,
) -> None:
    partner = Partner(la())
    partner.on_update = timeout_after(lambda p: None)
    with pytest.raises(LaUpdateError, match="ReadTimeout") as info:
        las_client(net, partner).approve(PARTNER, "om-0001", "proposal-1", SIGNER)
    assert type(info.value) is LaUpdateError
    assert isinstance(info.value.error, TransportError)
    assert info.value.status is None
    assert info.value.update_request == approve_request(PARTNER, "om-0001", "proposal-1", SIGNER)
    assert paths(net) == ["POST update", "GET get"]


def test_a_colleagues_approval_is_not_ours(serve: Serve) -> None:
    colleague = dataclasses.replace(SIGNER, name="Kari Nordmann", email="kari@example.org")
    client = reader(serve(la()))
    client.approve(PARTNER, "om-0001", "proposal-1", colleague)
    with pytest.raises(LaUpdateError) as info:
        client.approve(PARTNER, "om-0001", "proposal-1", SIGNER)
    assert type(info.value) is LaUpdateError
    assert isinstance(info.value.error, EditConflict)


def test_the_user_resends_the_request_carried_by_the_error(net: Network) -> None:
    partner = Partner(la())
    partner.on_update = timeout_after(lambda p: None)
    client = las_client(net, partner)
    with pytest.raises(LaUpdateError) as info:
        client.approve(PARTNER, "om-0001", "proposal-1", SIGNER)
    partner.on_update = lambda p, r: xml(UPDATED)
    client.update(info.value.update_request)
    assert net.requests[0].content == net.requests[2].content


def test_409_with_our_comment_recorded_is_already_applied(net: Network) -> None:
    partner = Partner(la())
    partner.on_update = conflict_after(
        lambda p: p.las.update({"om-0001": commented(p.las["om-0001"], SIGNER)})
    )
    with pytest.raises(AlreadyApplied) as info:
        las_client(net, partner).comment(PARTNER, "om-0001", "proposal-1", SIGNER, "No.")
    assert info.value.update_request == comment_request(
        PARTNER, "om-0001", "proposal-1", SIGNER, "No."
    )


def test_a_repeated_comment_says_the_reread_cannot_tell(serve: Serve) -> None:
    mock = serve(la())
    reader(mock).comment(PARTNER, "om-0001", "proposal-1", SIGNER, "No.")
    with pytest.raises(LaUpdateError) as info:
        reader(mock).comment(PARTNER, "om-0001", "proposal-1", SIGNER, "No.")
    assert type(info.value) is LaUpdateError
    assert info.value.status == 409
    assert info.value.reread
    message = str(info.value)
    assert "changes proposal 'proposal-1' is still current" in message
    assert "whether our comment was recorded cannot be seen" in message
    assert "it is not recorded" not in message


def test_409_on_a_comment_with_a_newer_proposal_is_an_update_error(serve: Serve) -> None:
    mock = serve(la(proposal_id="proposal-2"))
    with pytest.raises(LaUpdateError) as info:
        reader(mock).comment(PARTNER, "om-0001", "proposal-1", SIGNER, "No.")
    assert type(info.value) is LaUpdateError
    assert str(info.value).startswith(
        "our comment of changes proposal 'proposal-1' of mobility 'om-0001' failed: "
    )
    assert isinstance(info.value.error, EditConflict)
    assert info.value.error.user_message is not None


def test_409_when_the_la_is_gone_says_so(net: Network) -> None:
    partner = Partner(la())
    partner.on_update = conflict_after(lambda p: p.las.clear())
    with pytest.raises(LaUpdateError) as info:
        las_client(net, partner).approve(PARTNER, "om-0001", "proposal-1", SIGNER)
    assert info.value.status == 409
    assert (info.value.reread, info.value.learning_agreement) == (True, None)
    assert str(info.value).endswith(f"re-read: {PARTNER} no longer shows mobility 'om-0001'")


def test_409_when_the_reread_fails_too_carries_both_errors(net: Network) -> None:
    partner = Partner(la())
    partner.on_update = lambda p, r: xml(CONFLICT, 409)
    partner.fail_first["get"] = [500, 500]
    client = las_client(net, partner, retry=RetryPolicy(attempts=2))
    with pytest.raises(LaUpdateError) as info:
        client.approve(PARTNER, "om-0001", "proposal-1", SIGNER)
    error = info.value
    assert isinstance(error.error, EditConflict)
    assert isinstance(error.reread_error, PartnerServerError)
    assert error.reread_error.status == 500
    assert (error.reread, error.learning_agreement) == (True, None)
    assert "re-reading the LA failed too" in str(error)
    assert paths(net) == ["POST update", "GET get", "GET get"]


def test_400_is_an_update_error_from_the_bad_request_without_reread(serve: Serve) -> None:
    mock = serve(la())
    with pytest.raises(LaUpdateError) as info:  # a mobility the partner does not send
        reader(mock).approve(PARTNER, "om-0009", "proposal-1", SIGNER)
    bad = info.value.error
    assert isinstance(bad, BadRequest)
    assert "om-0009" in (bad.developer_message or "")
    assert info.value.status == 400
    assert (info.value.reread, info.value.learning_agreement) == (False, None)
    assert info.value.update_request == approve_request(PARTNER, "om-0009", "proposal-1", SIGNER)
    assert paths(mock) == ["POST update"]


def test_an_invalid_answer_to_an_update_is_an_update_error(net: Network) -> None:
    partner = Partner(la())
    partner.on_update = lambda p, r: xml(b"<omobility-las-update-response/>")
    with pytest.raises(LaUpdateError) as info:
        las_client(net, partner).approve(PARTNER, "om-0001", "proposal-1", SIGNER)
    assert isinstance(info.value.error, XmlError)
    assert info.value.status is None


def test_updates_are_not_retried_on_503(net: Network) -> None:
    partner = Partner(la())
    partner.fail_first["update"] = [503, 503]
    with pytest.raises(LaUpdateError) as info:
        las_client(net, partner).approve(PARTNER, "om-0001", "proposal-1", SIGNER)
    assert isinstance(info.value.error, PartnerServerError)
    assert info.value.status == 503
    assert paths(net) == ["POST update", "GET get"]


@pytest.mark.parametrize(
    "kwargs",
    [{"timestamp": datetime(2025, 11, 5, 10, 0)}, {"name": " "}, {"email": ""}],
)
def test_signer_refuses_incomplete_signatures(kwargs: dict[str, object]) -> None:
    with pytest.raises(ConfigError):
        dataclasses.replace(SIGNER, **kwargs)  # type: ignore[arg-type]


def test_empty_comment_is_refused_before_sending() -> None:
    with pytest.raises(ConfigError):
        comment_request(PARTNER, "om-0001", "proposal-1", SIGNER, "  ")


def test_update_request_round_trips_through_the_wire_format() -> None:
    request = comment_request(PARTNER, "om-0001", "proposal-1", SIGNER, "Please add credits.")
    assert decode(encode(request), LasUpdateRequest) == request


def test_changes_proposal_with_our_signature_is_schema_valid() -> None:
    # What the comment convention relies on: the schema accepts it.
    agreement = commented(la(), SIGNER)
    assert isinstance(agreement.changes_proposal, ChangesProposal)
    validate(encode(LasGetResponse(las=(agreement,))))


# ------------------------------------------------------------------- async twins


def async_las_client(net: Network, partner: Partner, **kw: object) -> AsyncLasClient:
    return AsyncLasClient(net.async_client(partner, **kw))


async def test_async_get_batches_and_orders(serve: Serve) -> None:
    ids = [f"om-{n:04d}" for n in range(1, 6)]
    mock = serve(*(la(i) for i in reversed(ids)))
    found = await AsyncLasClient(mock.async_client()).get(PARTNER, ids)
    assert [a.omobility_id for a in found] == ids
    assert paths(mock) == ["GET get", "GET get"]


async def test_async_index_and_stats(serve: Serve) -> None:
    doctoral = la("om-0009")
    proposal = doctoral.changes_proposal
    assert proposal is not None
    assert proposal.components_studied is not None
    doctoral = dataclasses.replace(
        doctoral,
        changes_proposal=dataclasses.replace(
            proposal,
            components_studied=None,
            short_term_doctoral_components=proposal.components_studied,
        ),
    )
    mock = serve(la("om-0001"), doctoral, stats_portal=True)
    client = AsyncLasClient(mock.async_client())
    assert await client.index(
        PARTNER, receiving_academic_year_id="2025/2026", mobility_type="doctoral"
    ) == ("om-0009",)
    assert form(mock.requests[0]) == [
        ("sending_hei_id", PARTNER),
        ("receiving_academic_year_id", "2025/2026"),
        ("mobility_type", "doctoral"),
    ]
    assert (await client.stats(PARTNER)).academic_years[0].la_outgoing_total == 2


async def test_async_reads_are_retried_on_503(net: Network) -> None:
    partner = Partner(la())
    partner.fail_first["get"] = [503]
    assert await async_las_client(net, partner).get(PARTNER, ["om-0001"])
    assert paths(net) == ["GET get", "GET get"]


async def test_async_approve_sends_the_same_bytes(serve: Serve) -> None:
    mock = serve(la())
    await AsyncLasClient(mock.async_client()).approve(PARTNER, "om-0001", "proposal-1", SIGNER)
    assert mock.requests[0].content == encode(
        approve_request(PARTNER, "om-0001", "proposal-1", SIGNER)
    )


async def test_async_timeout_with_our_approval_recorded_is_already_applied(net: Network) -> None:
    partner = Partner(la())
    partner.on_update = timeout_after(approve_in_partner)
    with pytest.raises(AlreadyApplied) as info:
        await async_las_client(net, partner).approve(PARTNER, "om-0001", "proposal-1", SIGNER)
    assert isinstance(info.value.error, TransportError)
    assert info.value.learning_agreement is not None
    assert paths(net) == ["POST update", "GET get"]


async def test_async_409_not_recorded_is_an_update_error(serve: Serve) -> None:
    mock = serve(la(proposal_id="proposal-2"))
    with pytest.raises(LaUpdateError) as info:
        await AsyncLasClient(mock.async_client()).comment(
            PARTNER, "om-0001", "proposal-1", SIGNER, "No."
        )
    conflict = info.value.error
    assert isinstance(conflict, EditConflict)
    assert "proposal-1" in (conflict.developer_message or "")
    assert info.value.update_request == comment_request(
        PARTNER, "om-0001", "proposal-1", SIGNER, "No."
    )
    reread = info.value.learning_agreement
    assert reread is not None
    assert reread.changes_proposal is not None
    assert reread.changes_proposal.id == "proposal-2"


async def test_async_400_is_an_update_error(serve: Serve) -> None:
    mock = serve(la())
    with pytest.raises(LaUpdateError) as info:
        await AsyncLasClient(mock.async_client()).approve(PARTNER, "om-0009", "proposal-1", SIGNER)
    assert isinstance(info.value.error, BadRequest)
    assert paths(mock) == ["POST update"]


# ------------------------------------------------------------------- typing


TYPED_USE = """
from ewp_client.errors import LaUpdateError

def current_proposal(error: LaUpdateError) -> str | None:
    la = error.learning_agreement
    return None if la is None or la.changes_proposal is None else la.changes_proposal.id

def resend_to(error: LaUpdateError) -> str:
    return error.update_request.sending_hei_id

error_of: LaUpdateError
reveal_type(error_of.update_request)
reveal_type(error_of.learning_agreement)
reveal_type(error_of.error)
reveal_type(error_of.reread_error)
"""


def test_mypy_strict_sees_the_failed_update_fields_typed(tmp_path: Path) -> None:
    """The context of a failed update is typed: a user's code reading it passes mypy strict."""
    source = tmp_path / "user_code.py"
    source.write_text(TYPED_USE)
    root = Path(__file__).resolve().parents[2]
    proc = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-error-summary", str(source)],
        cwd=root,
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "MYPYPATH": str(root / "src")},
    )
    revealed = [
        line.split("Revealed type is ", 1)[1].strip('"')
        for line in proc.stdout.splitlines()
        if "Revealed type is" in line
    ]
    assert revealed == [
        "ewp_client.models.la_update.LasUpdateRequest",
        "ewp_client.models.la.LearningAgreement | None",
        "ewp_client.errors.EwpError",
        "ewp_client.errors.EwpError | None",
    ], proc.stdout + proc.stderr
    assert "error:" not in proc.stdout, proc.stdout
