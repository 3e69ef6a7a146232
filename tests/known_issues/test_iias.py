"""The IIA rows (IIAs v7 get, IIA Approval v2, IIA CNR v3): a partner answering as the
catalogue describes, and the clean answer, through the library's IIA clients."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qsl

import httpx
import pytest

from ewp_client.client import (
    AsyncIiaCnrClient,
    AsyncIiasClient,
    IiaApprovalClient,
    IiaCnrClient,
    IiasClient,
)
from ewp_client.client.iias import get_calls
from ewp_client.error_response import render_error_response
from ewp_client.errors import (
    ApprovalOfInvalidIia,
    ApprovalOfUnmappedIia,
    ApprovalRefusedError,
    ApprovalWithoutIiaId,
    BadRequest,
    CnrRejected,
    CopyDivergence,
    IiaHashError,
    IiaHashInvalid,
    IiaNotMapped,
    MaxIdsExceeded,
    MaxIdsNotHonoured,
    MissingLanguageSkill,
    NotValidForApproval,
    PartnerOrderError,
    SchemaValidationError,
    StaleApproval,
    UnknownIdNotIgnored,
)
from ewp_client.iia import compute_iia_hashes
from ewp_client.iia.approval import ApprovalRecord, render_approval_response
from ewp_client.iia.partner_copies import copy_divergence
from ewp_client.server.iias import render_get_response
from tests.client.test_iias import ServingHei, theirs
from tests.iia.served_copies import copy_of, months_changed, with_declared_hash
from tests.known_issues.support import caught, client, no_ewp_warnings
from tests.support.network import PARTNER, US, Network

TEXT_XML = {"Content-Type": "text/xml"}


def iias(net: Network, partner: ServingHei | object, **kw: object) -> IiasClient:
    return IiasClient(client(net, partner, **kw))  # type: ignore[arg-type]


def asked(request: httpx.Request, name: str = "iia_id") -> list[str]:
    query = request.content.decode() if request.method == "POST" else request.url.query.decode()
    return [v for k, v in parse_qsl(query) if k == name]


class Approvals:
    """A partner's IIA Approval endpoint answering ``records``, its body rewritten by ``tamper``."""

    def __init__(self, *records: ApprovalRecord, tamper=lambda body: body) -> None:  # type: ignore[no-untyped-def]
        self.records = records
        self.tamper = tamper

    def __call__(self, request: httpx.Request) -> httpx.Response:
        body = render_approval_response(self.records, asked(request), caller_hei_id=US)
        return httpx.Response(200, content=self.tamper(body), headers=TEXT_XML)


def approvals(net: Network, partner: Approvals) -> IiaApprovalClient:
    return IiaApprovalClient(client(net, partner))


# ------------------------------------------------------------ iia-approval-missing-iia-id


def test_iia_approval_missing_iia_id(net: Network) -> None:
    record = ApprovalRecord(partner_hei_id=US, iia_id="o-1", iia_hash="c" * 64)
    no_id = Approvals(record, tamper=lambda body: re.sub(rb"<iia-id>[^<]*</iia-id>", b"", body))
    with pytest.raises(ApprovalWithoutIiaId) as info:
        approvals(net, no_id).get(PARTNER, ["o-1"])
    error = info.value
    assert isinstance(error, SchemaValidationError)
    assert error.known_issue == "iia-approval-missing-iia-id"
    assert error.hint == "unapproved IIAs must be omitted"
    assert (error.path, error.missing) == ("/iias-approval-response/approval[1]", ("iia-id",))
    assert "unapproved IIAs must be omitted" in str(error)
    with no_ewp_warnings():
        assert [
            a.iia_id for a in approvals(net, Approvals(record)).get(PARTNER, ["o-1"]).approvals
        ] == ["o-1"]


# ------------------------------------------------------------ unknown-ids-not-ignored


class RefusingUnknownIds(ServingHei):
    """Answers 404 with an error-response when an asked id is unknown, as some partners do."""

    def __call__(self, request: httpx.Request) -> httpx.Response:
        unknown = [i for i in asked(request) if i not in self.iias]
        if request.url.path.endswith("/get") and unknown:
            body = render_error_response(f"unknown iia_id {unknown[0]}")
            return httpx.Response(404, content=body, headers=TEXT_XML)
        return super().__call__(request)


def test_unknown_ids_not_ignored(net: Network) -> None:
    partner = RefusingUnknownIds(theirs("t-1"))
    with pytest.warns(UnknownIdNotIgnored) as records:
        copies = iias(net, partner).get(PARTNER, ["t-1", "t-9"])
    assert [c.iia_id for c in copies] == ["t-1"]
    (warning,) = caught(records, UnknownIdNotIgnored)
    assert warning.known_issue == "unknown-ids-not-ignored"
    assert (warning.api, warning.hei_id, warning.ids, warning.status) == (
        "iias",
        PARTNER,
        ("t-9",),
        404,
    )
    assert warning.developer_message == "unknown iia_id t-9"
    assert "error-response" in warning.excerpt
    assert caught(records, MaxIdsNotHonoured) == []  # the batch was refused for t-9
    assert [asked(r) for r in net.requests] == [["t-1", "t-9"], ["t-1"], ["t-9"]]
    with no_ewp_warnings():
        assert [
            c.iia_id for c in iias(net, ServingHei(theirs("t-1"))).get(PARTNER, ["t-1", "t-9"])
        ] == ["t-1"]


# ------------------------------------------------------------ max-ids-violation


class RefusingBatches(ServingHei):
    """Declares max-iia-ids 3 in its manifest, yet answers 400 to more than one id."""

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if len(asked(request)) > 1:
            return httpx.Response(400, content=render_error_response("one id at a time"))
        return super().__call__(request)


def test_max_ids_not_honoured_is_a_warning_and_each_id_is_asked_alone(net: Network) -> None:
    partner = RefusingBatches(theirs("t-1"), theirs("t-2"))
    with pytest.warns(MaxIdsNotHonoured) as records:
        copies = iias(net, partner).get(PARTNER, ["t-1", "t-2"])
    assert [c.iia_id for c in copies] == ["t-1", "t-2"]
    (warning,) = caught(records, MaxIdsNotHonoured)
    assert warning.known_issue == "max-ids-violation"
    assert (warning.sent, warning.max_ids, warning.status) == (2, 3, 400)
    assert caught(records, UnknownIdNotIgnored) == []


def test_max_ids_exceeded_is_an_error(net: Network) -> None:
    (call,) = get_calls(PARTNER, ["t-1", "t-2", "t-3"], max_ids=3)
    with client(net, RefusingBatches(theirs("t-1"))) as c, pytest.raises(MaxIdsExceeded) as info:
        c.read_ids([call], "iia_id", max_ids=2)  # the partner's max, as read before a change
    error = info.value
    assert isinstance(error, BadRequest)
    assert (error.known_issue, error.sent, error.max_ids, error.status) == (
        "max-ids-violation",
        3,
        2,
        400,
    )
    assert error.developer_message == "one id at a time"


# ------------------------------------------------------------ iia-approval-stale-hash


def test_iia_approval_stale_hash(net: Network) -> None:
    older, current = "1" * 64, "2" * 64
    partner = Approvals(ApprovalRecord(partner_hei_id=US, iia_id="o-1", iia_hash=older))
    with pytest.warns(StaleApproval) as records:
        approvals(net, partner).status(PARTNER, {"o-1": current})
    (warning,) = caught(records, StaleApproval)
    assert warning.known_issue == "iia-approval-stale-hash"
    assert (warning.iia_id, warning.approved, warning.current) == ("o-1", older, current)
    up_to_date = Approvals(ApprovalRecord(partner_hei_id=US, iia_id="o-1", iia_hash=current))
    with no_ewp_warnings():
        approvals(net, up_to_date).status(PARTNER, {"o-1": current})


# ------------------------------------------------------------ iia-hash-invalid


def test_iia_hash_invalid(net: Network) -> None:
    partner = ServingHei(theirs("t-1"))
    partner.tamper = lambda body: with_declared_hash(body, "0" * 64)
    with pytest.warns(IiaHashInvalid) as records:
        (copy,) = iias(net, partner).get(PARTNER, ["t-1"])
    (warning,) = caught(records, IiaHashInvalid)
    assert warning.known_issue == "iia-hash-invalid"
    assert (warning.iia_id, warning.declared) == ("t-1", "0" * 64)
    assert warning.computed == copy.hash.sha256 != warning.declared
    assert warning.text_to_hash == copy.hash.text_to_hash
    assert warning.text_to_hash
    with pytest.raises(ApprovalRefusedError) as refused:
        copy.approve()
    cause = refused.value.__cause__
    assert isinstance(cause, IiaHashError)
    assert cause.known_issue == "iia-hash-invalid"
    with no_ewp_warnings():
        (clean,) = iias(net, ServingHei(theirs("t-1"))).get(PARTNER, ["t-1"])
    assert clean.approve().iia_hash == clean.hash.sha256


# ------------------------------------------------------------ iia-not-valid-for-approval


def test_iia_not_valid_for_approval_is_refused(net: Network) -> None:
    partner = ServingHei(theirs("t-1", v6_value="031"))
    copy = iias(net, partner).get_one(PARTNER, "t-1")
    assert copy is not None
    with pytest.raises(NotValidForApproval) as info:
        copy.approve()
    error = info.value
    assert isinstance(error, ApprovalRefusedError)
    assert error.reason == "not-valid-for-approval"
    assert (error.known_issue, error.iia_id, error.version) == (
        "iia-not-valid-for-approval",
        "t-1",
        7,
    )


def test_a_partners_approval_of_our_iia_not_valid_for_approval_is_suspect(net: Network) -> None:
    ours = compute_iia_hashes(
        render_get_response([copy_of(US, "o-1", PARTNER, "t-1", v6_value="031")])
    )
    partner = Approvals(ApprovalRecord(partner_hei_id=US, iia_id="o-1", iia_hash=ours[0].sha256))
    with pytest.warns(ApprovalOfInvalidIia) as records:
        approvals(net, partner).status(PARTNER, ours)
    (warning,) = caught(records, ApprovalOfInvalidIia)
    assert (warning.known_issue, warning.iia_id, warning.approved) == (
        "iia-not-valid-for-approval",
        "o-1",
        ours[0].sha256,
    )
    valid = compute_iia_hashes(render_get_response([copy_of(US, "o-1", PARTNER, "t-1")]))
    fine = Approvals(ApprovalRecord(partner_hei_id=US, iia_id="o-1", iia_hash=valid[0].sha256))
    with no_ewp_warnings():
        approvals(net, fine).status(PARTNER, valid)


# ------------------------------------------------------------ iia-missing-language-skill


def test_iia_missing_language_skill(net: Network) -> None:
    partner = ServingHei(theirs("t-1"))
    partner.tamper = lambda body: re.sub(
        rb"<recommended-language-skill>.*?</recommended-language-skill>", b"", body, count=1
    )
    with pytest.raises(MissingLanguageSkill) as info:
        iias(net, partner).get(PARTNER, ["t-1"])
    error = info.value
    assert isinstance(error, SchemaValidationError)
    assert (error.known_issue, error.hint) == (
        "iia-missing-language-skill",
        "language requirements missing",
    )
    assert error.path.endswith("/student-studies-mobility-spec[1]")
    assert "recommended-language-skill" in error.missing


# ------------------------------------------------------------ iia-partner-id-not-mapped


def test_iia_partner_id_not_mapped_is_refused(net: Network) -> None:
    copy = iias(net, ServingHei(theirs("t-1", our_id=None))).get_one(PARTNER, "t-1")
    assert copy is not None
    with pytest.raises(IiaNotMapped) as info:
        copy.approve()
    error = info.value
    assert isinstance(error, ApprovalRefusedError)
    assert error.reason == "unmapped"
    assert (error.known_issue, error.remote_iia_id, error.partner) == (
        "iia-partner-id-not-mapped",
        "t-1",
        2,
    )


def test_an_approval_of_an_iia_no_partner_copy_is_mapped_to_is_a_warning(net: Network) -> None:
    unmapped = compute_iia_hashes(render_get_response([theirs("t-1", our_id=None)]))
    mapped = compute_iia_hashes(render_get_response([theirs("t-1", our_id="o-1")]))
    partner = Approvals(ApprovalRecord(partner_hei_id=US, iia_id="o-1", iia_hash="c" * 64))
    with pytest.warns(ApprovalOfUnmappedIia) as records:
        approvals(net, partner).status(PARTNER, {"o-1": "c" * 64}, partner_copies=unmapped)
    (warning,) = caught(records, ApprovalOfUnmappedIia)
    assert warning.known_issue == "iia-partner-id-not-mapped"
    assert (warning.our_iia_id, warning.partner_hei_id, warning.unmapped) == (
        "o-1",
        PARTNER,
        ("t-1",),
    )
    with no_ewp_warnings():
        approvals(net, partner).status(PARTNER, {"o-1": "c" * 64}, partner_copies=mapped)


# ------------------------------------------------------------ iia-first-partner-mismatch


def test_iia_first_partner_mismatch(net: Network) -> None:
    partner = ServingHei()
    partner.iias["t-1"] = copy_of(US, "ours-1", PARTNER, "t-1")  # the partners swapped
    with pytest.raises(PartnerOrderError) as info:
        iias(net, partner).get(PARTNER, ["t-1"])
    error = info.value
    assert error.known_issue == "iia-first-partner-mismatch"
    assert (error.expected_hei, error.got_hei, error.requested, error.got_iia_id) == (
        PARTNER,
        US,
        ("t-1",),
        "ours-1",
    )


# ------------------------------------------------------------ iia-copy-stale-no-refresh


def test_iia_copy_stale_without_a_cnr(net: Network) -> None:
    partner = ServingHei(theirs("t-1"))
    reader = iias(net, partner)
    kept = reader.get_one(PARTNER, "t-1")
    copied_at = datetime(2026, 1, 5, tzinfo=UTC)
    partner.iias["t-1"] = months_changed(theirs("t-1"), "7")  # changed, and no CNR sent
    fetched = reader.get_one(PARTNER, "t-1")
    assert kept is not None
    assert fetched is not None
    found = copy_divergence(
        iia_id="t-1",
        local_hash=kept.hash.sha256,
        remote_hash=fetched.hash.sha256,
        copied_at=copied_at,
        last_cnr_at=copied_at - timedelta(days=3),
    )
    assert isinstance(found, CopyDivergence)
    assert found.known_issue == "iia-copy-stale-no-refresh"
    assert (found.local_hash, found.remote_hash) == (kept.hash.sha256, fetched.hash.sha256)
    assert found.last_cnr_at == copied_at - timedelta(days=3)
    notified = copied_at + timedelta(minutes=1)  # a CNR came: we are the ones to refresh
    assert (
        copy_divergence(
            iia_id="t-1",
            local_hash=kept.hash.sha256,
            remote_hash=fetched.hash.sha256,
            copied_at=copied_at,
            last_cnr_at=notified,
        )
        is None
    )
    same = copy_divergence(
        iia_id="t-1",
        local_hash=kept.hash.sha256,
        remote_hash=kept.hash.sha256,
        copied_at=copied_at,
        last_cnr_at=None,
    )
    assert same is None


# ------------------------------------------------------------ cnr-rejects-valid-notification


class Listening:
    """A partner's IIA CNR endpoint answering ``status`` (400: "unknown iia_id")."""

    def __init__(self, status: int) -> None:
        self.status = status

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if self.status == 200:
            from ewp_client.client.iia_cnr import render_iia_cnr_response

            return httpx.Response(200, content=render_iia_cnr_response(), headers=TEXT_XML)
        body = render_error_response(f"unknown iia_id {asked(request)[0]}")
        return httpx.Response(self.status, content=body, headers=TEXT_XML)


@pytest.mark.parametrize("status", [400, 404])
def test_cnr_rejects_valid_notification(net: Network, status: int) -> None:
    with pytest.raises(CnrRejected) as info:
        IiaCnrClient(client(net, Listening(status))).notify(PARTNER, ["o-1"])
    error = info.value
    assert error.known_issue == "cnr-rejects-valid-notification"
    assert (error.status, error.developer_message) == (status, "unknown iia_id o-1")
    assert status != 400 or isinstance(error, BadRequest)  # existing except clauses still catch it
    assert len(net.requests) == 1  # a 4xx is not retried
    with no_ewp_warnings():
        assert IiaCnrClient(client(net, Listening(200))).notify(PARTNER, ["o-1"]) == 1


async def test_the_async_client_reads_refused_ids_as_absent_alike(net: Network) -> None:
    partner = RefusingUnknownIds(theirs("t-1"))
    with pytest.warns(UnknownIdNotIgnored) as records:
        async with net.async_client(partner) as c:
            copies = await AsyncIiasClient(c).get(PARTNER, ["t-1", "t-9"])
    assert [copy.iia_id for copy in copies] == ["t-1"]
    assert [w.ids for w in caught(records, UnknownIdNotIgnored)] == [("t-9",)]


async def test_the_async_cnr_client_raises_cnr_rejected(net: Network) -> None:
    async with net.async_client(Listening(400)) as c:
        with pytest.raises(CnrRejected) as info:
            await AsyncIiaCnrClient(c).notify(PARTNER, ["o-1"])
    assert isinstance(info.value, BadRequest)
    assert info.value.status == 400
