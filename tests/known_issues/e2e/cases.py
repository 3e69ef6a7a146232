"""One case per built-in fault scenario: the client call that reveals it, and what it must say.

Each :class:`Case` names the catalogue row (the scenario of the same name),
the set-up (:mod:`.harness`), the call a user makes (``call``, as the table
prints it), the class the user sees (``reports``), the function making that
call (``reveal``: the same call with and without the scenario) and the
evidence the diagnosis must carry (``evidence``). :data:`CASES` is the table;
the tests run it against :class:`~ewp_mock.faults.ScenarioRegistry` and
:data:`~ewp_client.known_issues.KNOWN_ISSUES`, so a row without a case fails.

Rows that show only over time (``iia-copy-stale-no-refresh``,
``la-cnr-missing-after-update``) move the node's business clock through its
control API instead of waiting, and name the problem with the library's pure
checks over what our node (``b``) received.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from ewp_client.client import (
    EchoClient,
    EwpCall,
    EwpClient,
    IiaApprovalClient,
    IiaCnrClient,
    IiasClient,
    LasClient,
    Signer,
)
from ewp_client.clock import SystemClock
from ewp_client.cnr import CnrKind, EntryState, Outbox, OutgoingNotification, sender
from ewp_client.errors import (
    AlreadyApplied,
    ApprovalOfUnmappedIia,
    ApprovalRefusedError,
    ApprovalWithoutIiaId,
    BadRequest,
    ClockSkewError,
    CnrRejected,
    CopyDivergence,
    DateMayBeRewritten,
    DigestComputedBeforeEncoding,
    EditConflict,
    EwpError,
    EwpWarning,
    IiaHashError,
    IiaHashInvalid,
    IiaNotMapped,
    InvalidDateHeader,
    InvalidValueFormat,
    MalformedErrorResponse,
    MaxIdsNotHonoured,
    MissingCnrAfterUpdate,
    MissingLanguageSkill,
    NotValidForApproval,
    PartnerOrderError,
    RequiredElementMissing,
    ResponseCorrelationError,
    StaleApproval,
    StudentNameMissing,
    TlsCertificateError,
    UnknownIdNotIgnored,
    UnknownSigningKey,
    UnsignedResponseError,
    UnstableChangesProposalId,
)
from ewp_client.iia import ApprovalState
from ewp_client.iia.hash import sha256_hex
from ewp_client.iia.partner_copies import copy_divergence
from ewp_client.namespaces import FACTSHEET_API, IIAS_API, INSTITUTIONS_API
from ewp_client.ola.consistency import missing_cnr_after_update
from ewp_mock.data import UNI_A, UNI_B

from .harness import Mock, Seen, Setup

Reveal = Callable[[Mock], Seen]
Evidence = Callable[[Seen, Mock], None]

#: The LA with a changes proposal awaiting us (uni-b) in the demo data.
PENDING = "la-changes-pending"
#: The time the node is moved on by, in the rows that show over time.
LATER = timedelta(hours=1)
#: How long we give a partner to notify after our update (``missing_cnr_after_update``).
CNR_WAIT = 15 * 60
SIGNER = Signer(
    name="Bruno Rossi",
    position="Erasmus+ coordinator",
    email="bruno.rossi@uni-b.example",
    timestamp=datetime(2026, 9, 25, 10, 0, tzinfo=UTC),
    app="known-issues end-to-end",
)
UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


@dataclass(frozen=True)
class Case:
    """One row of the table (see the module docstring).

    ``fails_anyway``: the call needs an error answer, so without the scenario
    it raises this (a proper one) rather than succeeding. ``succeeded``: what
    the call shows without the scenario, beyond naming no problem.
    """

    row: str
    call: str
    reports: type[EwpError] | type[EwpWarning]
    reveal: Reveal
    evidence: Evidence
    setup: Setup = "partner"
    fails_anyway: type[EwpError] | None = None
    succeeded: Evidence | None = None

    @property
    def signature_fault(self) -> bool:
        """Whether the fault is in the response's signature headers (checked before the body)."""
        return self.row.startswith("httpsig-")


def received(mock: Mock, kind: CnrKind, object_id: str) -> datetime | None:
    """When our node (b) last received a CNR of ``kind`` naming ``object_id`` (business time)."""
    ours = mock.network.control("b").received()
    return max((r.at for r in ours if r.kind is kind and object_id in r.object_ids), default=None)


def last_exchange(mock: Mock) -> Any:
    """The last request the partner answered, as its exchange log recorded it."""
    answered = [r for r in mock.partner.exchanges.records() if r.direction == "in"]
    return answered[-1]


def header(pairs: tuple[tuple[str, str], ...], name: str) -> str | None:
    return next((v for n, v in pairs if n.lower() == name.lower()), None)


def echo(mock: Mock) -> Seen:
    return mock.see(lambda c: EchoClient(c).echo(UNI_A, ["hello"]))


def read_iia(mock: Mock) -> Seen:
    return mock.see(lambda c: IiasClient(c).get(UNI_A, ["a-iia-2"]))


def approve_iia(mock: Mock) -> Seen:
    """Read uni-a's copy of a-iia-2 and approve it (our approval record)."""

    def read_and_approve(client: EwpClient) -> Any:
        copy = IiasClient(client).get_one(UNI_A, "a-iia-2")
        assert copy is not None
        return copy.approve()

    return mock.see(read_and_approve)


def approve_pending_la(client: EwpClient) -> Any:
    las = LasClient(client)
    la = las.get_one(UNI_A, PENDING)
    assert la is not None
    assert la.changes_proposal is not None
    return las.approve(UNI_A, PENDING, la.changes_proposal.id, SIGNER)


# ---------------------------------------------------------------- IIAs and approvals


def _approval_without_id(mock: Mock) -> Seen:
    return mock.see(lambda c: IiaApprovalClient(c).get(UNI_A, ["b-iia-2"]))  # not approved


def _approval_without_id_evidence(seen: Seen, mock: Mock) -> None:
    error = seen.one(ApprovalWithoutIiaId)
    assert error.path == "/iias-approval-response/approval[1]"
    assert "iia-id" in error.missing
    assert error.hint == "unapproved IIAs must be omitted"


def _unknown_ids(mock: Mock) -> Seen:
    def ask(client: EwpClient) -> tuple[Any, ...]:
        return (
            IiasClient(client).get(UNI_A, ["no-such-iia"]),
            IiaApprovalClient(client).get(UNI_A, ["no-such-iia"]).approvals,
            LasClient(client).get(UNI_A, ["no-such-la"]),
        )

    return mock.see(ask)


def _unknown_ids_evidence(seen: Seen, mock: Mock) -> None:
    assert seen.value == ((), (), ())  # read as absent
    found = {(w.api, w.hei_id, w.ids, w.status) for w in seen.reported(UnknownIdNotIgnored)}
    assert found == {
        ("iias", UNI_A, ("no-such-iia",), 404),
        ("iias-approval", UNI_A, ("no-such-iia",), 404),
        ("omobility-las", UNI_A, ("no-such-la",), 404),
    }
    assert {w.developer_message for w in seen.reported(UnknownIdNotIgnored)} == {"no such id"}


def our_hash(mock: Mock, iia_id: str) -> str:
    """The hash of our IIA ``iia_id`` as our node b serves it now (read as anyone reads it)."""
    ours = IiasClient(mock.network.client("a")).get_one(UNI_B, iia_id)
    assert ours is not None
    return ours.hash.sha256


def _stale_approval(mock: Mock) -> Seen:
    current = our_hash(mock, "b-iia-4")
    seen = mock.see(lambda c: IiaApprovalClient(c).status(UNI_A, {"b-iia-4": current}))
    seen.facts["current"] = current
    return seen


def _stale_approval_evidence(seen: Seen, mock: Mock) -> None:
    warning = seen.one(StaleApproval)
    status = seen.value["b-iia-4"]
    assert status.state is ApprovalState.OLDER
    assert (warning.iia_id, warning.current) == ("b-iia-4", seen.facts["current"])
    assert warning.approved == status.approved_hash != warning.current


def _approved_current(seen: Seen, mock: Mock) -> None:
    assert seen.value["b-iia-4"].state is ApprovalState.CURRENT


def _hash_invalid(mock: Mock) -> Seen:
    seen = read_iia(mock)
    if seen.error is None:
        (copy,) = seen.value
        seen.facts["copy"] = copy
        seen.add(mock.see(lambda c: copy.approve()))
    return seen


def _hash_invalid_evidence(seen: Seen, mock: Mock) -> None:
    warning = seen.one(IiaHashInvalid)
    copy = seen.facts["copy"]
    assert warning.iia_id == "a-iia-2"
    assert warning.computed == copy.hash.sha256
    assert warning.text_to_hash == copy.hash.text_to_hash
    assert warning.declared == sha256_hex(warning.text_to_hash + "_")  # what the partner hashed
    refused = seen.one(ApprovalRefusedError)  # and the copy cannot be approved
    assert isinstance(refused.__cause__, IiaHashError)
    assert (refused.reason, refused.declared, refused.computed) == (
        "hash-mismatch",
        warning.declared,
        warning.computed,
    )


def _not_valid_evidence(seen: Seen, mock: Mock) -> None:
    error = seen.one(NotValidForApproval)
    assert (error.iia_id, error.version, error.reason) == ("a-iia-2", 7, "not-valid-for-approval")


def _language_skill_evidence(seen: Seen, mock: Mock) -> None:
    error = seen.one(MissingLanguageSkill)
    assert error.path.endswith("/cooperation-conditions[1]/student-studies-mobility-spec[1]")
    assert "recommended-language-skill" in error.missing
    assert error.hint == "language requirements missing"


def _not_mapped(mock: Mock) -> Seen:
    """Approve uni-a's copy of a-iia-2; then read uni-a's approval of our b-iia-4, judged
    against its copy a-iia-4 (which should name b-iia-4 as our id)."""
    seen = approve_iia(mock)
    ours = our_hash(mock, "b-iia-4")

    def approvals(client: EwpClient) -> Any:
        copies = IiasClient(client).get(UNI_A, ["a-iia-4"])
        hashes = [c.hash for c in copies]
        return IiaApprovalClient(client).status(UNI_A, {"b-iia-4": ours}, partner_copies=hashes)

    judged = mock.see(approvals)
    seen.facts["approvals"] = judged.value
    return seen.add(judged)


def _not_mapped_evidence(seen: Seen, mock: Mock) -> None:
    error = seen.one(IiaNotMapped)  # our approval refused
    assert (error.remote_iia_id, error.partner, error.reason) == ("a-iia-2", 2, "unmapped")
    warning = seen.one(ApprovalOfUnmappedIia)  # and the partner's approval suspect
    assert (warning.our_iia_id, warning.partner_hei_id, warning.unmapped) == (
        "b-iia-4",
        UNI_A,
        ("a-iia-4",),
    )
    assert seen.facts["approvals"]["b-iia-4"].state is ApprovalState.CURRENT


def _copy_stale(mock: Mock) -> Seen:
    """Keep uni-a's copy; uni-a changes the IIA; an hour later, read it again."""
    control = mock.control()

    def keep(client: EwpClient) -> Any:
        return IiasClient(client).get_one(UNI_A, "a-iia-2")

    seen = mock.see(keep)
    kept = seen.value
    copied_at = control.clock().now
    conditions = kept.iia.cooperation_conditions
    shorter = tuple(
        dataclasses.replace(s, total_months_per_year="8") for s in conditions.student_studies
    )
    control.put_iias(
        dataclasses.replace(
            kept.iia,
            cooperation_conditions=dataclasses.replace(conditions, student_studies=shorter),
        )
    )
    control.advance(LATER)  # settles: what fell due was sent
    fetched = mock.see(keep)
    seen.add(fetched)
    last_cnr_at = received(mock, CnrKind.IIA, "a-iia-2")
    found = copy_divergence(
        iia_id="a-iia-2",
        local_hash=kept.hash.sha256,
        remote_hash=fetched.value.hash.sha256,
        copied_at=copied_at,
        last_cnr_at=last_cnr_at,
    )
    seen.found += [found] if found is not None else []
    seen.facts.update(kept=kept, fetched=fetched.value, last_cnr_at=last_cnr_at)
    return seen


def _copy_stale_evidence(seen: Seen, mock: Mock) -> None:
    divergence = seen.one(CopyDivergence)
    kept, fetched = seen.facts["kept"], seen.facts["fetched"]
    assert divergence.iia_id == "a-iia-2"
    assert (divergence.local_hash, divergence.remote_hash) == (
        kept.hash.sha256,
        fetched.hash.sha256,
    )
    assert divergence.local_hash != divergence.remote_hash
    assert divergence.last_cnr_at is None  # never notified


def _copy_notified(seen: Seen, mock: Mock) -> None:
    assert seen.facts["last_cnr_at"] is not None  # uni-a notified the change


def _first_partner_evidence(seen: Seen, mock: Mock) -> None:
    error = seen.one(PartnerOrderError)
    assert (error.expected_hei, error.got_hei, error.requested, error.got_iia_id) == (
        UNI_A,
        UNI_B,
        ("a-iia-2",),
        "b-iia-2",
    )


def _two_ids(mock: Mock) -> Seen:
    return mock.see(lambda c: IiasClient(c).get(UNI_A, ["a-iia-2", "a-iia-3"]))


def _max_ids_evidence(seen: Seen, mock: Mock) -> None:
    warning = seen.one(MaxIdsNotHonoured)
    declared = mock.partner.config.max_ids.iia_ids  # what the manifest publishes
    assert (warning.api, warning.hei_id, warning.sent, warning.max_ids, warning.status) == (
        "iias",
        UNI_A,
        2,
        declared,
        400,
    )
    assert [c.iia_id for c in seen.value] == ["a-iia-2", "a-iia-3"]  # asked one by one


# ---------------------------------------------------------------- change notifications


def _notify(mock: Mock) -> Seen:
    """An IIA CNR by the client, and an LA CNR through the outbox (its sender)."""
    seen = mock.see(lambda c: IiaCnrClient(c).notify(UNI_A, ["b-iia-2"]))
    outbox, clock = Outbox(), SystemClock()
    notification = OutgoingNotification(
        kind=CnrKind.LA, partner_hei_id=UNI_A, object_ids=("la-b-approved",), sending_hei_id=UNI_B
    )
    outbox.enqueue(notification, clock.now())
    ((_, outcome),) = outbox.run_due_sync(sender(mock.client()), clock)
    seen.facts.update(outcome=outcome, entries=outbox.entries())
    return seen


def _notify_evidence(seen: Seen, mock: Mock) -> None:
    error = seen.one(CnrRejected)
    assert isinstance(error, BadRequest)  # an existing except clause still catches it
    assert (error.status, error.developer_message) == (400, "unknown id")
    outcome = seen.facts["outcome"]
    (entry,) = seen.facts["entries"]
    assert (outcome.status, outcome.retryable, outcome.detail) == (400, False, "CnrRejected")
    assert entry.state is EntryState.FAILED  # never tried again


def _notified(seen: Seen, mock: Mock) -> None:
    assert seen.value == 1
    assert seen.facts["outcome"].status == 200
    assert [e.state for e in seen.facts["entries"]] == [EntryState.DELIVERED]


def _cnr_missing(mock: Mock) -> Seen:
    """Approve the pending LA, move the clock an hour on, look for uni-a's LA CNR."""
    control = mock.control()
    updated_at = control.clock().now
    seen = mock.see(approve_pending_la)
    now = control.advance(LATER).now
    last_cnr_at = received(mock, CnrKind.LA, PENDING)
    found = missing_cnr_after_update(
        sending_hei_id=UNI_A,
        omobility_id=PENDING,
        updated_at=updated_at,
        last_cnr_at=last_cnr_at,
        now=now,
        wait=CNR_WAIT,
    )
    seen.found += [found] if found is not None else []
    reread = mock.see(lambda c: LasClient(c).get_one(UNI_A, PENDING))
    seen.facts.update(updated_at=updated_at, reread=reread.value, last_cnr_at=last_cnr_at)
    return seen


def _la_notified(seen: Seen, mock: Mock) -> None:
    assert seen.facts["last_cnr_at"] >= seen.facts["updated_at"]


def _cnr_missing_evidence(seen: Seen, mock: Mock) -> None:
    missing = seen.one(MissingCnrAfterUpdate)
    assert (missing.sending_hei_id, missing.omobility_id) == (UNI_A, PENDING)
    assert missing.updated_at == seen.facts["updated_at"]
    assert missing.waited >= LATER.total_seconds()
    reread = seen.facts["reread"]
    assert reread.changes_proposal is None  # the update itself was applied
    assert reread.approved_changes is not None


# ---------------------------------------------------------------- learning agreements


def _conflict(mock: Mock) -> Seen:
    return mock.see(approve_pending_la)


def _conflict_evidence(seen: Seen, mock: Mock) -> None:
    applied = seen.one(AlreadyApplied)
    assert isinstance(applied.error, EditConflict)
    assert applied.status == 409
    assert applied.reread
    assert applied.learning_agreement is not None
    assert applied.learning_agreement.approved_changes is not None
    if "error-response-malformed" not in mock.scenarios:  # (which makes the body HTML)
        assert "reload" in (applied.error.user_message or "")


def _read_twice(mock: Mock) -> Seen:
    def twice(client: EwpClient) -> Any:
        las = LasClient(client)
        return las.get_one(UNI_A, PENDING), las.get_one(UNI_A, PENDING)

    return mock.see(twice)


def _unstable_evidence(seen: Seen, mock: Mock) -> None:
    warning = seen.one(UnstableChangesProposalId)
    first, second = seen.value
    assert (warning.first_id, warning.second_id) == (
        first.changes_proposal.id,
        second.changes_proposal.id,
    )
    assert warning.first_id != warning.second_id
    assert (warning.omobility_id, warning.content_changed) == (PENDING, False)


def _read_la(mock: Mock) -> Seen:
    return mock.see(lambda c: LasClient(c).get(UNI_A, [PENDING]))


def _family_name_evidence(seen: Seen, mock: Mock) -> None:
    warning = seen.one(StudentNameMissing)
    assert (warning.omobility_id, warning.field) == (PENDING, "family-name")
    assert warning.path.endswith("/student/family-name")
    assert [la.omobility_id for la in seen.value] == [PENDING]  # still read


# ---------------------------------------------------------------- any API


def _without_iia_id(mock: Mock) -> Seen:
    """An IIAs get without ``iia_id``: a request every partner refuses with 400."""
    return mock.see(lambda c: c.call(EwpCall(api=IIAS_API, hei_id=UNI_A, endpoint="get-url")))


def _malformed_evidence(seen: Seen, mock: Mock) -> None:
    warning = seen.one(MalformedErrorResponse)
    assert (warning.status, warning.defect) == (400, "not-xml")
    assert (warning.content_type or "").startswith("text/html")
    assert warning.excerpt.startswith("<!DOCTYPE html>")
    refused = seen.one(BadRequest)  # classified by its status all the same
    assert refused.developer_message is None


def _proper_error(seen: Seen, mock: Mock) -> None:
    assert "iia_id" in (seen.one(BadRequest).developer_message or "")


def _factsheet(mock: Mock) -> Seen:
    call = EwpCall(api=FACTSHEET_API, hei_id=UNI_A, endpoint="url", params=(("hei_id", UNI_A),))
    return mock.see(lambda c: c.call(call))


def _required_evidence(seen: Seen, mock: Mock) -> None:
    error = seen.one(RequiredElementMissing)
    assert error.path == "/factsheet-response/factsheet[1]"
    assert "decision-weeks-limit" in error.missing
    assert error.violations[0].line is not None


def _institutions(mock: Mock) -> Seen:
    call = EwpCall(api=INSTITUTIONS_API, hei_id=UNI_A, endpoint="url", params=(("hei_id", UNI_A),))
    return mock.see(lambda c: c.call(call))


def _value_format_evidence(seen: Seen, mock: Mock) -> None:
    error = seen.one(InvalidValueFormat)
    fields = error.fields
    assert any(f.endswith("/contact[1]/email[1]") for f in fields), fields
    assert any(f.endswith("/website-url[1]") for f in fields), fields
    messages = " ".join(v.message for v in error.violations)
    assert "iro at uni" in messages
    assert "uni.example.org/" in messages


# ---------------------------------------------------------------- HTTP signatures


def _bad_date_evidence(seen: Seen, mock: Mock) -> None:
    error = seen.one(InvalidDateHeader)
    assert error.header == "Original-Date"
    assert error.value.endswith(" CEST")
    assert error.value == header(last_exchange(mock).response_headers, "Original-Date")


def _skew_evidence(seen: Seen, mock: Mock) -> None:
    error = seen.one(ClockSkewError)
    assert (error.header, error.limit) == ("Original-Date", 300)
    assert round(error.skew / 60) == -7  # the partner signs 7 minutes in the past


def _digest_evidence(seen: Seen, mock: Mock) -> None:
    error = seen.one(DigestComputedBeforeEncoding)
    assert error.content_encoding == "gzip"
    assert error.declared == error.decoded_digest  # the Digest of the body before gzip
    assert error.computed == error.raw_digest != error.declared


def _rewritten_evidence(seen: Seen, mock: Mock) -> None:
    error = seen.one(DateMayBeRewritten)
    sent = last_exchange(mock).response_headers
    assert header(sent, "Original-Date") is None
    assert error.date == header(sent, "Date")
    assert "Original-Date" in error.hint


def _unsigned_evidence(seen: Seen, mock: Mock) -> None:
    error = seen.one(UnsignedResponseError)
    assert error.response_status == 200
    assert header(last_exchange(mock).response_headers, "Signature") is None


def _correlation_evidence(seen: Seen, mock: Mock) -> None:
    error = seen.one(ResponseCorrelationError)
    exchange = last_exchange(mock)
    assert error.header == "X-Request-Id"
    assert error.expected == header(exchange.request_headers, "X-Request-Id")
    assert error.got == header(exchange.response_headers, "X-Request-Id") != error.expected
    assert UUID.match(error.got or "")


def _unknown_key_evidence(seen: Seen, mock: Mock) -> None:
    error = seen.one(UnknownSigningKey)
    assert error.catalogue_refreshed is True  # looked again before concluding
    assert error.hint is None
    assert mock.partner.catalogue.public_key(error.key_id) is None
    signed = header(last_exchange(mock).response_headers, "Signature") or ""
    assert f'keyId="{error.key_id}"' in signed


# ---------------------------------------------------------------- TLS


def _tls_evidence(problem: str, verify_message: str) -> Evidence:
    def check(seen: Seen, mock: Mock) -> None:
        error = seen.one(TlsCertificateError)
        assert (error.problem, error.host) == (problem, "127.0.0.1")
        assert verify_message in error.verify_message
        assert error.url == f"{mock.partner.url}/ewp/echo"
        assert problem in str(error)
        assert mock.sleeps == []  # not tried again: the same certificate would be refused

    return check


def _tls(row: str, verify_message: str) -> Case:
    problem = row.removeprefix("tls-")
    return Case(
        row, "EchoClient.echo(uni-a) over TLS", TlsCertificateError, echo,
        _tls_evidence(problem, verify_message), setup="served",
    )  # fmt: skip


# ---------------------------------------------------------------- the table

_GET_A2 = "IiasClient.get(uni-a, [a-iia-2])"
_APPROVE_A2 = "IiasClient.get_one(uni-a, a-iia-2).approve()"
_ECHO = "EchoClient.echo(uni-a)"

#: row -> the call that reveals it -> what the user catches, and its evidence.
CASES: dict[str, Case] = {
    case.row: case
    for case in (
        Case("iia-approval-missing-iia-id", "IiaApprovalClient.get(uni-a, [b-iia-2])",
             ApprovalWithoutIiaId, _approval_without_id, _approval_without_id_evidence),
        Case("unknown-ids-not-ignored", "IiasClient / IiaApprovalClient / LasClient .get(unknown)",
             UnknownIdNotIgnored, _unknown_ids, _unknown_ids_evidence),
        Case("iia-approval-stale-hash", "IiaApprovalClient.status(uni-a, {b-iia-4: ours})",
             StaleApproval, _stale_approval, _stale_approval_evidence, setup="network",
             succeeded=_approved_current),
        Case("iia-hash-invalid", f"{_GET_A2}, then .approve()",
             IiaHashInvalid, _hash_invalid, _hash_invalid_evidence),
        Case("iia-not-valid-for-approval", _APPROVE_A2,
             NotValidForApproval, approve_iia, _not_valid_evidence),
        Case("iia-missing-language-skill", _GET_A2,
             MissingLanguageSkill, read_iia, _language_skill_evidence),
        Case("iia-partner-id-not-mapped",
             f"{_APPROVE_A2}; IiaApprovalClient.status(uni-a, partner_copies=...)",
             IiaNotMapped, _not_mapped, _not_mapped_evidence, setup="network"),
        Case("iia-copy-stale-no-refresh", "IiasClient.get_one, clock +1 h, copy_divergence()",
             CopyDivergence, _copy_stale, _copy_stale_evidence, setup="network",
             succeeded=_copy_notified),
        Case("iia-first-partner-mismatch", _GET_A2,
             PartnerOrderError, read_iia, _first_partner_evidence),
        Case("max-ids-violation", "IiasClient.get(uni-a, [a-iia-2, a-iia-3])",
             MaxIdsNotHonoured, _two_ids, _max_ids_evidence),
        Case("cnr-rejects-valid-notification", "IiaCnrClient.notify; Outbox.run_due_sync(sender)",
             CnrRejected, _notify, _notify_evidence, succeeded=_notified),
        Case("la-cnr-missing-after-update",
             "LasClient.approve, clock +1 h, missing_cnr_after_update()",
             MissingCnrAfterUpdate, _cnr_missing, _cnr_missing_evidence, setup="network",
             succeeded=_la_notified),
        Case("la-update-409-conflict", "LasClient.approve(uni-a, la-changes-pending)",
             AlreadyApplied, _conflict, _conflict_evidence),
        Case("la-changes-proposal-id-unstable", "LasClient.get_one twice",
             UnstableChangesProposalId, _read_twice, _unstable_evidence),
        Case("la-student-family-name-missing", "LasClient.get(uni-a, [la-changes-pending])",
             StudentNameMissing, _read_la, _family_name_evidence),
        Case("error-response-malformed", "EwpClient.call(IIAs get without iia_id)",
             MalformedErrorResponse, _without_iia_id, _malformed_evidence,
             fails_anyway=BadRequest, succeeded=_proper_error),
        Case("schema-required-field-missing", "EwpClient.call(Factsheet get)",
             RequiredElementMissing, _factsheet, _required_evidence),
        Case("invalid-value-format", "EwpClient.call(Institutions get)",
             InvalidValueFormat, _institutions, _value_format_evidence),
        Case("httpsig-date-bad-format", _ECHO, InvalidDateHeader, echo, _bad_date_evidence),
        Case("httpsig-clock-skew", _ECHO, ClockSkewError, echo, _skew_evidence),
        Case("httpsig-digest-mismatch", _GET_A2,
             DigestComputedBeforeEncoding, read_iia, _digest_evidence),
        Case("httpsig-date-rewritten-by-proxy", _ECHO,
             DateMayBeRewritten, echo, _rewritten_evidence),
        Case("httpsig-response-unsigned", _ECHO, UnsignedResponseError, echo, _unsigned_evidence),
        Case("httpsig-correlation-headers", _ECHO,
             ResponseCorrelationError, echo, _correlation_evidence),
        Case("httpsig-keyid-unknown", _ECHO, UnknownSigningKey, echo, _unknown_key_evidence),
        _tls("tls-self-signed", "self-signed certificate"),
        _tls("tls-expired", "certificate has expired"),
        _tls("tls-wrong-host", "mismatch"),
        _tls("tls-missing-intermediate", "unable to get local issuer certificate"),
    )
}  # fmt: skip
