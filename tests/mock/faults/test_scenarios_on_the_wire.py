"""Every built-in scenario, reproduced on the wire, and the same call clean without it.

One proof per scenario, run twice: with the scenario (``active``) it asserts the
fault in the bytes, headers and status the node sends; without it, that the
same exchange is clean. The proofs are keyed by scenario name and the tests
are parametrised over the registry, so a built-in scenario added without a
proof fails here. Checks use plain httpx and the library's low-level pieces
(:mod:`tests.mock.faults.wire`), never the diagnosing clients. CNR scenarios
run on two nodes in one process (:class:`~ewp_mock.network.MockNetwork`), TLS
scenarios on a real loopback port.
"""

from __future__ import annotations

import functools
import ssl
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

import httpx
import pytest

from ewp_client.client.las import Signer, approve_request
from ewp_client.cnr import CnrKind
from ewp_client.codec import encode
from ewp_client.errors import (
    ClockSkewError,
    DateError,
    DigestError,
    ResponseBindingError,
    SchemaValidationError,
    SignatureMismatchError,
    UnknownKeyError,
    UnsignedResponseError,
)
from ewp_client.iia.hash import compute_iia_hashes, sha256_hex
from ewp_client.ola import VersionStatus
from ewp_client.security import (
    digest_header,
    parse_http_date,
    parse_signature_params,
    verify_digest,
)
from ewp_client.xml import validate
from ewp_mock.data import UNI_A, UNI_B
from ewp_mock.faults import ScenarioRegistry
from ewp_mock.network import MockNetwork, NodeSpec
from ewp_mock.testing import Partner, PartnerKeys, resolve_dataset
from tests.mock.conftest import key
from tests.mock.faults.wire import Mock, Wire
from tests.mock.test_actions import fewer_months

IIA = f"/ewp/iias/{UNI_A}/get"
INDEX = f"/ewp/iias/{UNI_A}/index"
APPROVAL = f"/ewp/iias-approval/{UNI_A}"
LAS = "/ewp/las/get"
PENDING = "la-changes-pending"
SIGNER = Signer(
    name="Bruno Rossi",
    position="Erasmus+ coordinator",
    email="bruno.rossi@uni-b.example",
    timestamp=datetime(2026, 9, 25, 10, 0, tzinfo=UTC),
    app="ewp_mock fault tests",
)

Proof = Callable[[bool], Awaitable[None]]
PROOFS: dict[str, Proof] = {}


def proof(name: str) -> Callable[[Proof], Proof]:
    def register(function: Proof) -> Proof:
        PROOFS[name] = function
        return function

    return register


def mock(name: str, active: bool) -> Mock:
    return Mock(*([name] if active else []))


def one_hash(wire: Wire) -> tuple[str | None, str, str, bool]:
    """(declared, computed, text_to_hash, valid_for_approval) of the one IIA served."""
    (found,) = compute_iia_hashes(wire.body)
    return found.declared_hash, found.sha256, found.text_to_hash, found.valid_for_approval


# ---------------------------------------------------------------- IIAs and approvals


@proof("iia-approval-missing-iia-id")
async def _approval_without_id(active: bool) -> None:
    node = mock("iia-approval-missing-iia-id", active)
    approved = await node.call(f"{APPROVAL}?iia_id=b-iia-4")
    assert approved.texts("approval/iia-id") == ["b-iia-4"]  # real approvals are as they were
    wire = await node.call(f"{APPROVAL}?iia_id=b-iia-2")  # not approved by uni-a
    assert wire.status == 200
    wire.verify()  # signed as served: the fault is in the content
    assert wire.texts("approval/iia-id") == []
    if active:
        assert len(wire.texts("approval/iia-hash")) == 1
        with pytest.raises(SchemaValidationError, match="iia-id"):
            validate(wire.body)
    else:
        assert len(wire.root()) == 0  # omitted, as the spec says
        validate(wire.body)


@proof("unknown-ids-not-ignored")
async def _unknown_ids(active: bool) -> None:
    node = mock("unknown-ids-not-ignored", active)
    for path in (
        f"{IIA}?iia_id=nope",
        f"{APPROVAL}?iia_id=nope",
        f"{LAS}?sending_hei_id={UNI_A}&omobility_id=nope",
    ):
        wire = await node.call(path)
        wire.verify()
        if active:
            assert wire.status == 404
            assert wire.error().developer == "no such id"
        else:
            assert wire.status == 200
            assert len(wire.root()) == 0
    known = await node.call(f"{IIA}?iia_id=a-iia-2")
    assert known.status == 200  # a known id is still served


@proof("iia-approval-stale-hash")
async def _stale_approval_hash(active: bool) -> None:
    clean = await Mock().call(f"{APPROVAL}?iia_id=b-iia-4")
    wire = await mock("iia-approval-stale-hash", active).call(f"{APPROVAL}?iia_id=b-iia-4")
    wire.verify()
    validate(wire.body)  # schema-valid: only the hash is old
    (served,) = wire.texts("approval/iia-hash")
    (current,) = clean.texts("approval/iia-hash")
    assert (served != current) is active


@proof("iia-hash-invalid")
async def _invalid_hash(active: bool) -> None:
    wire = await mock("iia-hash-invalid", active).call(f"{IIA}?iia_id=a-iia-2")
    wire.verify()
    declared, computed, text, _ = one_hash(wire)
    if active:
        assert declared != computed
        assert declared == sha256_hex(text + "_")
    else:
        assert declared == computed


@proof("iia-not-valid-for-approval")
async def _not_valid_for_approval(active: bool) -> None:
    wire = await mock("iia-not-valid-for-approval", active).call(f"{IIA}?iia_id=a-iia-2")
    wire.verify()
    declared, computed, _, valid = one_hash(wire)
    assert declared == computed  # hashed as served: only the v6-value shows
    assert valid is not active
    v6 = wire.texts("iia/cooperation-conditions/*/subject-area/isced-f-code/@v6-value")
    assert v6 == (["031"] if active else [])


@proof("iia-missing-language-skill")
async def _missing_language_skill(active: bool) -> None:
    wire = await mock("iia-missing-language-skill", active).call(f"{IIA}?iia_id=a-iia-2")
    wire.verify()
    declared, computed, _, _ = one_hash(wire)
    assert declared == computed
    skills = wire.texts(
        "iia/cooperation-conditions/student-studies-mobility-spec[1]/recommended-language-skill/language"
    )
    if active:
        assert skills == []
        with pytest.raises(SchemaValidationError, match="recommended-language-skill"):
            validate(wire.body)
    else:
        assert skills == ["en"]
        validate(wire.body)


@proof("iia-partner-id-not-mapped")
async def _partner_not_mapped(active: bool) -> None:
    wire = await mock("iia-partner-id-not-mapped", active).call(f"{IIA}?iia_id=a-iia-2")
    wire.verify()
    declared, computed, _, _ = one_hash(wire)
    assert declared == computed
    assert wire.texts("iia/partner[1]/iia-id") == ["a-iia-2"]
    assert wire.texts("iia/partner[2]/iia-id") == ([] if active else ["b-iia-2"])


@proof("iia-first-partner-mismatch")
async def _first_partner(active: bool) -> None:
    wire = await mock("iia-first-partner-mismatch", active).call(f"{IIA}?iia_id=a-iia-2")
    wire.verify()
    declared, computed, _, _ = one_hash(wire)
    assert declared == computed
    expected = [UNI_B, UNI_A] if active else [UNI_A, UNI_B]
    assert wire.texts("iia/partner/hei-id") == expected


@proof("max-ids-violation")
async def _max_ids(active: bool) -> None:
    node = mock("max-ids-violation", active)
    assert node.node.config.max_ids.iia_ids == 50  # what the manifest declares
    two = await node.call(f"{IIA}?iia_id=a-iia-2&iia_id=a-iia-3")
    two.verify()
    one = await node.call(f"{IIA}?iia_id=a-iia-2")
    assert one.status == 200
    las = await node.call(
        f"{LAS}?sending_hei_id={UNI_A}&omobility_id={PENDING}&omobility_id=la-approved"
    )
    if active:
        assert two.status == 400
        assert "iia_id" in (two.error().developer or "")
        assert las.status == 400
    else:
        assert two.status == 200
        assert len(two.texts("iia")) == 2
        assert las.status == 200


# ---------------------------------------------------------------- change notifications


def two_nodes(a: tuple[str, ...] = (), b: tuple[str, ...] = ()) -> MockNetwork:
    dataset = resolve_dataset("demo")
    assert dataset is not None
    return MockNetwork(
        [
            NodeSpec(
                "a", (UNI_A,), dataset, {"server_key": key(1), "client_key": key(2), "scenarios": a}
            ),
            NodeSpec(
                "b", (UNI_B,), dataset, {"server_key": key(3), "client_key": key(4), "scenarios": b}
            ),
        ]
    )


async def approve_as_b(network: MockNetwork) -> None:
    from ewp_client import AsyncLasClient

    async with network.client("b") as client:
        las = AsyncLasClient(client)
        la = await las.get_one(UNI_A, PENDING)
        assert la is not None
        assert la.changes_proposal is not None
        await las.approve(UNI_A, PENDING, la.changes_proposal.id, SIGNER)


def received_at_b(network: MockNetwork, kind: CnrKind) -> list[tuple[str, ...]]:
    return [r.object_ids for r in network.node("b").received if r.kind is kind]


@proof("iia-copy-stale-no-refresh")
async def _iia_cnr_not_sent(active: bool) -> None:
    scenarios = ("iia-copy-stale-no-refresh",) if active else ()
    async with two_nodes(a=scenarios) as network:
        a = network.node("a").actions
        served = a.served(UNI_A, "a-iia-2")
        assert served is not None
        a.modify_iia(UNI_A, "a-iia-2", fewer_months(served.iia))
        await network.idle()
        assert a.served(UNI_A, "a-iia-2").iia_hash != served.iia_hash  # type: ignore[union-attr]
        assert received_at_b(network, CnrKind.IIA) == ([] if active else [("a-iia-2",)])


@proof("la-cnr-missing-after-update")
async def _la_cnr_not_sent(active: bool) -> None:
    scenarios = ("la-cnr-missing-after-update",) if active else ()
    async with two_nodes(a=scenarios) as network:
        await approve_as_b(network)  # the update itself succeeds
        await network.idle()
        assert received_at_b(network, CnrKind.LA) == ([] if active else [(PENDING,)])


@proof("cnr-rejects-valid-notification")
async def _cnr_rejected(active: bool) -> None:
    scenarios = ("cnr-rejects-valid-notification",) if active else ()
    async with two_nodes(b=scenarios) as network:
        await approve_as_b(network)
        await network.idle()
        (entry,) = network.node("a").outbox.entries(PENDING, kind=CnrKind.LA)
        assert entry.attempts[0].status == (400 if active else 200)
    wire = await mock("cnr-rejects-valid-notification", active).call(
        f"/ewp/iia-cnr/{UNI_A}", method="POST", form=[("iia_id", "b-iia-2")]
    )
    wire.verify()
    assert wire.status == (400 if active else 200)
    if active:
        assert wire.error().developer == "unknown id"


# ---------------------------------------------------------------- learning agreements


@proof("la-update-409-conflict")
async def _update_conflict(active: bool) -> None:
    node = mock("la-update-409-conflict", active)
    record = node.node.las.find(UNI_A, PENDING)
    assert record is not None
    assert record.proposal_id is not None
    body = encode(approve_request(UNI_A, PENDING, record.proposal_id, SIGNER))
    wire = await node.call("/ewp/las/update", method="POST", xml=body)
    wire.verify()
    after = node.node.las.find(UNI_A, PENDING)
    assert after is not None
    assert after.status is VersionStatus.APPROVED  # applied either way
    if active:
        assert wire.status == 409
        assert "reload" in (wire.error().user or "")
    else:
        assert wire.status == 200


@proof("la-changes-proposal-id-unstable")
async def _unstable_proposal_id(active: bool) -> None:
    node = mock("la-changes-proposal-id-unstable", active)
    path = f"{LAS}?sending_hei_id={UNI_A}&omobility_id={PENDING}"
    first, second = await node.call(path), await node.call(path)
    first.verify()
    ids = first.texts("la/changes-proposal/@id") + second.texts("la/changes-proposal/@id")
    assert len(ids) == 2
    assert (ids[0] != ids[1]) is active


@proof("la-student-family-name-missing")
async def _family_name(active: bool) -> None:
    wire = await mock("la-student-family-name-missing", active).call(
        f"{LAS}?sending_hei_id={UNI_A}&omobility_id={PENDING}"
    )
    wire.verify()
    assert wire.texts("la/student/given-names") == ["Demo"]
    assert wire.texts("la/student/family-name") == ([] if active else ["Student 6"])


# ---------------------------------------------------------------- any API


@proof("error-response-malformed")
async def _malformed_error(active: bool) -> None:
    wire = await mock("error-response-malformed", active).call(IIA)  # no iia_id: a 400
    assert wire.status == 400
    wire.verify()
    if active:
        assert (wire.header("content-type") or "").startswith("text/html")
        assert wire.body.startswith(b"<!DOCTYPE html>")
        assert wire.error() == (None, None)
    else:
        assert "iia_id" in (wire.error().developer or "")
    fine = await mock("error-response-malformed", active).call(f"{IIA}?iia_id=a-iia-2")
    assert fine.status == 200
    assert fine.texts("iia/iia-hash")  # successes untouched


@proof("schema-required-field-missing")
async def _required_field(active: bool) -> None:
    wire = await mock("schema-required-field-missing", active).call(
        f"/ewp/factsheet?hei_id={UNI_A}"
    )
    wire.verify()
    if active:
        with pytest.raises(SchemaValidationError, match="decision-weeks-limit"):
            validate(wire.body)
    else:
        validate(wire.body)


@proof("invalid-value-format")
async def _invalid_values(active: bool) -> None:
    wire = await mock("invalid-value-format", active).call(f"/ewp/institutions?hei_id={UNI_A}")
    wire.verify()
    emails = wire.texts("hei/contact/email")
    if active:
        assert emails == ["iro at uni"]
        assert wire.texts("hei/website-url") == ["uni.example.org/"]
        with pytest.raises(SchemaValidationError):
            validate(wire.body)
    else:
        assert emails == [f"iro@{UNI_A}"]
        validate(wire.body)


# ---------------------------------------------------------------- HTTP signatures


@proof("httpsig-date-bad-format")
async def _bad_date(active: bool) -> None:
    wire = await mock("httpsig-date-bad-format", active).call(INDEX)
    date = wire.header("original-date") or ""
    if active:
        assert date.endswith(" CEST")
        assert "original-date" in parse_signature_params(wire.header("signature") or "").headers
        with pytest.raises(DateError):
            wire.verify()
    else:
        assert date.endswith(" GMT")
        wire.verify()


@proof("httpsig-clock-skew")
async def _clock_skew(active: bool) -> None:
    wire = await mock("httpsig-clock-skew", active).call(INDEX)
    signed = parse_http_date(wire.header("original-date") or "")
    if active:
        with pytest.raises(ClockSkewError):
            wire.verify()
        # The signature itself is good: a verifier living 7 minutes ago accepts it.
        verifier_now = signed + 1
        from ewp_client.registry.resolver import CatalogueKeyResolver
        from ewp_client.security import ResponseVerifier

        ResponseVerifier(CatalogueKeyResolver(wire.node.catalogue)).verify(
            request=wire.sent,
            endpoint=wire.endpoint,
            headers=wire.headers,
            body=wire.raw,
            now=verifier_now,
        )
        assert datetime.now(UTC).timestamp() - signed > 400
    else:
        wire.verify()
        assert abs(datetime.now(UTC).timestamp() - signed) < 60


@proof("httpsig-digest-mismatch")
async def _digest_before_gzip(active: bool) -> None:
    wire = await mock("httpsig-digest-mismatch", active).call(f"{IIA}?iia_id=a-iia-2")
    digest = wire.header("digest") or ""
    assert digest == digest_header(wire.body)  # the Digest matches the decoded body
    if active:
        assert wire.header("content-encoding") == "gzip"
        assert wire.raw != wire.body
        assert digest != digest_header(wire.raw)  # ...not the bytes on the wire
        with pytest.raises(DigestError):
            verify_digest(digest, wire.raw)
        with pytest.raises(DigestError):
            wire.verify()
    else:
        assert wire.header("content-encoding") is None
        assert wire.raw == wire.body
        wire.verify()


@proof("httpsig-date-rewritten-by-proxy")
async def _date_rewritten(active: bool) -> None:
    wire = await mock("httpsig-date-rewritten-by-proxy", active).call(INDEX)
    covered = parse_signature_params(wire.header("signature") or "").headers
    if active:
        assert wire.header("original-date") is None
        assert "date" in covered
        with pytest.raises(SignatureMismatchError, match="Original-Date"):
            wire.verify()
        earlier = parse_http_date(wire.header("date") or "") - 1
        from ewp_client.security import format_http_date

        wire.headers = [
            (n, format_http_date(earlier) if n.lower() == "date" else v) for n, v in wire.headers
        ]
        wire.verify()  # with the Date it signed, the signature holds
    else:
        assert "original-date" in covered
        wire.verify()


@proof("httpsig-response-unsigned")
async def _unsigned(active: bool) -> None:
    wire = await mock("httpsig-response-unsigned", active).call(INDEX)
    assert wire.status == 200
    if active:
        assert wire.header("signature") is None
        with pytest.raises(UnsignedResponseError):
            wire.verify()
    else:
        wire.verify()


@proof("httpsig-correlation-headers")
async def _correlation(active: bool) -> None:
    wire = await mock("httpsig-correlation-headers", active).call(INDEX)
    echoed = wire.header("x-request-id")
    if active:
        assert echoed is not None
        assert echoed != wire.sent.request_id
        assert wire.header("x-request-signature") is None
        with pytest.raises(ResponseBindingError, match="X-Request-Id"):
            wire.verify()
    else:
        assert echoed == wire.sent.request_id
        assert wire.header("x-request-signature") == wire.sent.signature
        wire.verify()


@proof("httpsig-keyid-unknown")
async def _unknown_key(active: bool) -> None:
    wire = await mock("httpsig-keyid-unknown", active).call(INDEX)
    key_id = parse_signature_params(wire.header("signature") or "").key_id
    if active:
        assert key_id not in {key(1).key_id, key(2).key_id}
        with pytest.raises(UnknownKeyError):
            wire.verify()
    else:
        assert key_id == key(1).key_id
        wire.verify()


# ---------------------------------------------------------------- TLS


@functools.cache
def partner_keys() -> PartnerKeys:
    return PartnerKeys.generate()


def verification_error(error: BaseException) -> ssl.SSLCertVerificationError:
    """The certificate error under an httpx error (httpx wraps the ssl one)."""
    seen: BaseException | None = error
    while seen is not None and not isinstance(seen, ssl.SSLCertVerificationError):
        seen = (
            seen.__cause__
            or seen.__context__
            or (seen.args[0] if seen.args and isinstance(seen.args[0], BaseException) else None)
        )
    assert isinstance(seen, ssl.SSLCertVerificationError), repr(error)
    return seen


TLS_FAILURES = {
    "tls-self-signed": "self-signed certificate",
    "tls-expired": "certificate has expired",
    "tls-wrong-host": "IP address mismatch",
    "tls-missing-intermediate": "unable to get local issuer certificate",
}


def tls_proof(name: str) -> Proof:
    async def check(active: bool) -> None:
        with Partner.served(
            keys=partner_keys(), scenarios=[name] if active else [], data=None
        ) as partner:
            assert partner.ca_file is not None
            context = ssl.create_default_context(cafile=str(partner.ca_file))
            async with httpx.AsyncClient(verify=context) as client:
                if active:
                    with pytest.raises(httpx.ConnectError) as caught:
                        await client.get(partner.catalogue_url)
                    cause = verification_error(caught.value)
                    assert TLS_FAILURES[name] in (cause.verify_message or "")
                else:
                    assert (await client.get(partner.catalogue_url)).status_code == 200

    return check


for _name in TLS_FAILURES:
    PROOFS[_name] = tls_proof(_name)


# ---------------------------------------------------------------- the tests

BUILT_IN = ScenarioRegistry.load().names


def test_every_proof_is_of_a_built_in_scenario() -> None:
    assert sorted(PROOFS) == sorted(BUILT_IN)


@pytest.mark.parametrize("name", BUILT_IN)
async def test_the_scenario_is_reproduced_on_the_wire(name: str) -> None:
    if name not in PROOFS:
        pytest.fail(f"built-in scenario {name} has no proof in {__name__}")
    await PROOFS[name](True)


@pytest.mark.parametrize("name", BUILT_IN)
async def test_without_the_scenario_the_same_exchange_is_clean(name: str) -> None:
    if name not in PROOFS:
        pytest.fail(f"built-in scenario {name} has no proof in {__name__}")
    await PROOFS[name](False)
