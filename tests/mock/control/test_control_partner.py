"""The control API of one in-process partner: each call, then what an EWP client sees.

The partner (the plugin's ``ewp_partner``) serves uni-a with the demo data;
our key is admitted for uni-b. Every control call is followed by a read
through the real EWP API, signed, with :class:`~ewp_client.IiasClient`,
:class:`~ewp_client.LasClient` or an :class:`~ewp_client.client.base.EwpCall`.
"""

from __future__ import annotations

import asyncio
import dataclasses
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from ewp_client import EchoClient, EwpClient, IiasClient, LasClient, RegistryClient
from ewp_client.client.base import EwpCall
from ewp_client.clock import ManualClock, SystemClock
from ewp_client.cnr import CnrKind, EntryState
from ewp_client.codec import decode, encode
from ewp_client.errors import (
    ConfigError,
    ControlBadRequest,
    ControlConflict,
    ControlNotFound,
)
from ewp_client.models import (
    IiasGetResponse,
    InstitutionsResponse,
    OunitsResponse,
    StringWithOptionalLang,
)
from ewp_client.namespaces import INSTITUTIONS_API, OUNITS_API
from ewp_client.ola import AmendmentKind, VersionStatus, latest_tables
from ewp_mock import MockConfig, create_app, node_of_app
from ewp_mock.control import CONTROL_PREFIX, AsyncControlClient, ControlClient, SignedBy
from ewp_mock.control.api import router
from ewp_mock.data import UNI_A, UNI_B, demo_dataset
from ewp_mock.demo_flow import ADDED
from ewp_mock.exchange_log import ExchangeLog, ExchangeRing
from ewp_mock.routes.registry import PATH as CATALOGUE_PATH
from ewp_mock.store import SqliteState
from ewp_mock.testing import AppTransport, Partner
from tests.mock.conftest import key as conftest_key
from tests.mock.conftest import make_config
from tests.mock.control.conftest import keys

IIA_ID = "a-iia-1"
APPROVED_LA = "la-approved"
STUDENT = SignedBy(name="Demo Student")
COORDINATOR = SignedBy(name="Ada Coordinator", position="Coordinator", email="ada@uni-a.example")


def served_iia_ids(partner: Partner) -> list[str]:
    return sorted(IiasClient(partner.client()).index(UNI_A))


def institution_names(partner: Partner) -> list[str]:
    answer = partner.client().call(
        EwpCall(api=INSTITUTIONS_API, hei_id=UNI_A, endpoint="url", params=(("hei_id", UNI_A),))
    )
    (hei,) = decode(answer.tree, InstitutionsResponse).heis
    return [n.value for n in hei.names]


# ---------------------------------------------------------------- on, off, documented


def test_the_control_api_is_off_by_default_and_answers_404() -> None:
    app = create_app(make_config())
    assert not MockConfig().control
    with httpx.Client(transport=AppTransport(app), base_url="http://mock.test") as http:
        answer = http.post(f"{CONTROL_PREFIX}/reset")
        assert answer.status_code == 404
        assert answer.headers["content-type"].startswith("text/xml")  # the node's EWP 404
        assert http.get(f"{CONTROL_PREFIX}/openapi.json").status_code == 404
        with pytest.raises(ControlNotFound) as off:
            ControlClient("http://mock.test", http=http).clock()
    assert (off.value.status, off.value.kind) == (404, "control-off")


def test_a_partner_made_with_control_off_has_no_control_client() -> None:
    with Partner.in_process(keys=keys(), control=False) as partner:
        with pytest.raises(ConfigError, match="control API is off"):
            partner.control  # noqa: B018 (the property raises)
        answer = partner.http().get(f"{partner.url}{CONTROL_PREFIX}/clock")
        assert answer.status_code == 404


def test_the_openapi_document_lists_every_route(ewp_partner: Partner) -> None:
    document = ewp_partner.control.openapi()
    assert document["info"]["title"] == "ewp_mock control API"
    listed = {(path, method.upper()) for path, ops in document["paths"].items() for method in ops}
    routes = {(r.path, m) for r in router.routes for m in r.methods}  # type: ignore[attr-defined]
    assert listed == routes
    assert len(listed) == 22
    assert all(path.startswith(f"{CONTROL_PREFIX}/") for path, _ in listed)
    put_iias = document["paths"][f"{CONTROL_PREFIX}/iias"]["put"]
    assert "application/xml" in put_iias["requestBody"]["content"]


def test_control_answers_are_plain_json_outside_the_signature_layer(ewp_partner: Partner) -> None:
    answer = ewp_partner.http().get(
        f"{ewp_partner.url}{CONTROL_PREFIX}/clock",
        headers={"Accept-Signature": "rsa-sha256"},
    )
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "application/json"
    assert "signature" not in answer.headers
    assert "digest" not in answer.headers
    # while the EWP API next to it still signs
    assert EchoClient(ewp_partner.client()).echo(UNI_A, ["x"]).echoes == ("x",)


# ---------------------------------------------------------------- IIAs


def test_put_iias_creates_an_iia_a_client_then_gets(ewp_partner: Partner) -> None:
    template = IiasClient(ewp_partner.client()).get_one(UNI_A, IIA_ID)
    assert template is not None
    ours, theirs = template.iia.partners
    new = dataclasses.replace(
        template.iia,
        partners=(
            dataclasses.replace(ours, iia_id="ctl-iia-1"),
            dataclasses.replace(theirs, iia_id=None),
        ),
    )
    (state,) = ewp_partner.control.put_iias(new)
    assert (state.hei_id, state.iia_id, state.created) == (UNI_A, "ctl-iia-1", True)
    fetched = IiasClient(ewp_partner.client()).get_one(UNI_A, "ctl-iia-1")
    assert fetched is not None
    assert fetched.iia.iia_hash == state.iia_hash
    assert fetched.hash_verified
    assert "ctl-iia-1" in served_iia_ids(ewp_partner)
    (cnr,) = ewp_partner.control.outbox()
    assert (cnr.key.kind, cnr.key.partner_hei_id, cnr.key.object_id) == (
        CnrKind.IIA,
        UNI_B,
        "ctl-iia-1",
    )


def test_put_iias_replaces_a_served_iia(ewp_partner: Partner) -> None:
    before = IiasClient(ewp_partner.client()).get_one(UNI_A, IIA_ID)
    assert before is not None
    conditions = before.iia.cooperation_conditions
    studies = tuple(
        dataclasses.replace(s, total_months_per_year="7") for s in conditions.student_studies
    )
    changed = dataclasses.replace(
        before.iia,
        cooperation_conditions=dataclasses.replace(conditions, student_studies=studies),
    )
    (state,) = ewp_partner.control.put_iias(encode(IiasGetResponse(iias=(changed,))))
    assert state.created is False
    assert not state.approved_by_partner  # a modification needs the approvals again
    after = IiasClient(ewp_partner.client()).get_one(UNI_A, IIA_ID)
    assert after is not None
    assert after.iia.iia_hash == state.iia_hash != before.iia.iia_hash
    assert {s.total_months_per_year for s in after.iia.cooperation_conditions.student_studies} == {
        "7"
    }


def test_a_schema_invalid_document_is_a_400_naming_the_problem_and_nothing_changes(
    ewp_partner: Partner,
) -> None:
    before = served_iia_ids(ewp_partner)
    template = IiasClient(ewp_partner.client()).get_one(UNI_A, IIA_ID)
    assert template is not None
    document = encode(IiasGetResponse(iias=(template.iia,))).decode()
    broken = document.replace("<iia-hash>", "<not-an-element/><iia-hash>", 1)
    with pytest.raises(ControlBadRequest) as refused:
        ewp_partner.control.put_iias(broken)
    assert refused.value.status == 400
    assert refused.value.kind == "schema-invalid"
    assert "not-an-element" in str(refused.value.detail)
    with pytest.raises(ControlBadRequest) as malformed:
        ewp_partner.control.put_iias(b"<iias-get-response")
    assert malformed.value.kind == "malformed"
    with pytest.raises(ControlBadRequest) as wrong:
        ewp_partner.control.put_las(document)  # an IIA document where LAs are expected
    assert wrong.value.kind == "wrong-document"
    assert served_iia_ids(ewp_partner) == before
    assert ewp_partner.control.outbox() == []


def test_a_document_naming_a_hei_the_node_does_not_serve_changes_nothing(
    ewp_partner: Partner,
) -> None:
    template = IiasClient(ewp_partner.client()).get_one(UNI_A, IIA_ID)
    assert template is not None
    ours, theirs = template.iia.partners
    good = dataclasses.replace(
        template.iia,
        partners=(dataclasses.replace(ours, iia_id="ctl-ok"), dataclasses.replace(theirs)),
    )
    foreign = dataclasses.replace(
        template.iia,
        partners=(
            dataclasses.replace(ours, hei_id="elsewhere.example.org", iia_id="ctl-x"),
            theirs,
        ),
    )
    with pytest.raises(ControlBadRequest) as refused:
        ewp_partner.control.put_iias([good, foreign])  # the first is valid: not applied either
    assert refused.value.kind == "unknown-hei"
    assert "ctl-ok" not in served_iia_ids(ewp_partner)


# ---------------------------------------------------------------- LAs


def test_put_las_creates_an_la_a_client_then_gets(ewp_partner: Partner) -> None:
    las = LasClient(ewp_partner.client())
    template = las.get_one(UNI_A, APPROVED_LA)
    assert template is not None
    (state,) = ewp_partner.control.put_las(dataclasses.replace(template, omobility_id="ctl-la"))
    assert (state.created, state.status) == (True, VersionStatus.APPROVED)
    fetched = las.get_one(UNI_A, "ctl-la")
    assert fetched is not None
    assert fetched == state.la
    assert fetched.first_version == template.first_version
    assert "ctl-la" in las.index(UNI_A)


def test_a_minor_amendment_shows_at_once_with_the_same_signatures(ewp_partner: Partner) -> None:
    las = LasClient(ewp_partner.client())
    before = las.get_one(UNI_A, APPROVED_LA)
    assert before is not None
    state = ewp_partner.control.amend_la(
        UNI_A, APPROVED_LA, dataclasses.replace(before, end_date=date(2028, 2, 15))
    )
    assert state.amendment is AmendmentKind.MINOR
    assert state.changes == ("end-date",)
    assert state.notified
    after = las.get_one(UNI_A, APPROVED_LA)
    assert after is not None
    assert after.end_date == date(2028, 2, 15)
    assert after.first_version == before.first_version
    assert after.changes_proposal is None


def test_a_major_change_sent_as_minor_is_a_409_and_nothing_changes(ewp_partner: Partner) -> None:
    las = LasClient(ewp_partner.client())
    before = las.get_one(UNI_A, APPROVED_LA)
    assert before is not None
    assert before.first_version is not None
    studied = before.first_version.components_studied
    assert studied is not None
    dropped = dataclasses.replace(
        before,
        first_version=dataclasses.replace(
            before.first_version,
            components_studied=dataclasses.replace(studied, components=studied.components[1:]),
        ),
    )
    with pytest.raises(ControlConflict) as refused:
        ewp_partner.control.amend_la(UNI_A, APPROVED_LA, dropped)
    assert refused.value.kind == "lifecycle-refused"
    assert las.get_one(UNI_A, APPROVED_LA) == before


def test_a_major_amendment_is_a_new_proposal_signed_by_student_and_sending_hei(
    ewp_partner: Partner,
) -> None:
    las = LasClient(ewp_partner.client())
    before = las.get_one(UNI_A, APPROVED_LA)
    assert before is not None
    assert before.first_version is not None
    tables = latest_tables(before)
    studied = before.first_version.components_studied
    assert studied is not None
    desired = dataclasses.replace(
        before,
        first_version=dataclasses.replace(
            before.first_version,
            components_studied=dataclasses.replace(
                studied, components=(*tables.components_studied, ADDED)
            ),
        ),
    )
    state = ewp_partner.control.propose_la(
        UNI_A, APPROVED_LA, desired, student=STUDENT, sending_hei=COORDINATOR
    )
    assert state.status is VersionStatus.AWAITING
    after = las.get_one(UNI_A, APPROVED_LA)
    assert after is not None
    proposal = after.changes_proposal
    assert proposal is not None
    assert proposal.id == state.proposal_id
    assert proposal.student_signature.signer_name == "Demo Student"
    assert proposal.sending_hei_signature.signer_name == "Ada Coordinator"
    assert after.first_version == before.first_version  # the approved version stays
    with pytest.raises(ControlBadRequest) as unsigned:
        ewp_partner.control._send(
            ewp_partner.control._amend(UNI_A, APPROVED_LA, desired, "major", STUDENT, None)
        )
    assert unsigned.value.kind == "unsigned"


def test_an_amendment_of_an_unknown_la_is_a_404(ewp_partner: Partner) -> None:
    template = LasClient(ewp_partner.client()).get_one(UNI_A, APPROVED_LA)
    assert template is not None
    with pytest.raises(ControlNotFound) as missing:
        ewp_partner.control.amend_la(UNI_A, "no-such-la", template)
    assert missing.value.kind == "unknown-la"
    with pytest.raises(ControlNotFound) as hei:
        ewp_partner.control.amend_la("elsewhere.example.org", APPROVED_LA, template)
    assert hei.value.kind == "unknown-hei"


# ---------------------------------------------------------------- HEIs and units


def test_put_heis_replaces_the_record_the_institutions_api_serves(ewp_partner: Partner) -> None:
    answer = ewp_partner.client().call(
        EwpCall(api=INSTITUTIONS_API, hei_id=UNI_A, endpoint="url", params=(("hei_id", UNI_A),))
    )
    (record,) = decode(answer.tree, InstitutionsResponse).heis
    renamed = dataclasses.replace(
        record, names=(StringWithOptionalLang(value="Renamed University", lang="en"),)
    )
    assert ewp_partner.control.put_heis(renamed) == [UNI_A]
    assert institution_names(ewp_partner) == ["Renamed University"]
    with pytest.raises(ControlBadRequest) as refused:
        ewp_partner.control.put_heis(dataclasses.replace(renamed, hei_id="elsewhere.example.org"))
    assert refused.value.kind == "unknown-hei"
    assert institution_names(ewp_partner) == ["Renamed University"]


def ounit_names(partner: Partner, ounit_id: str) -> list[str] | None:
    answer = partner.client().call(
        EwpCall(
            api=OUNITS_API,
            hei_id=UNI_A,
            endpoint="url",
            params=(("hei_id", UNI_A), ("ounit_id", ounit_id)),
        )
    )
    units = decode(answer.tree, OunitsResponse).ounits
    return [n.value for n in units[0].names] if units else None


def test_put_ounits_replaces_the_units_the_ounits_api_serves(ewp_partner: Partner) -> None:
    root, *others = ewp_partner.node.directory.ounits(UNI_A)
    renamed = dataclasses.replace(
        root, names=(StringWithOptionalLang(value="Control Faculty", lang="en"),)
    )
    added = dataclasses.replace(
        others[0], ounit_id="a-ctl", ounit_code="CTL", parent_ounit_id=root.ounit_id
    )
    units = [renamed, *others, added]
    assert ewp_partner.control.put_ounits(UNI_A, units) == [u.ounit_id for u in units]
    assert ounit_names(ewp_partner, root.ounit_id) == ["Control Faculty"]
    assert ounit_names(ewp_partner, "a-ctl") == [n.value for n in others[0].names]


def test_units_the_hei_record_names_cannot_be_dropped(ewp_partner: Partner) -> None:
    root, *others = ewp_partner.node.directory.ounits(UNI_A)
    with pytest.raises(ControlBadRequest) as refused:
        ewp_partner.control.put_ounits(UNI_A, others)  # the root is gone
    assert refused.value.kind == "unknown-ounit"
    assert root.ounit_id in str(refused.value.detail)
    with pytest.raises(ControlBadRequest) as twice:
        ewp_partner.control.put_ounits(UNI_A, [root, root, *others])
    assert twice.value.kind == "duplicate-id"
    assert ounit_names(ewp_partner, root.ounit_id) == [n.value for n in root.names]


# ---------------------------------------------------------------- reset, clock, log


def test_one_reset_brings_back_the_initial_data_outbox_and_clock(ewp_partner: Partner) -> None:
    control = ewp_partner.control
    las = LasClient(ewp_partner.client())
    original = las.get_one(UNI_A, APPROVED_LA)
    assert original is not None
    iias_before = served_iia_ids(ewp_partner)
    template = IiasClient(ewp_partner.client()).get_one(UNI_A, IIA_ID)
    assert template is not None
    ours, theirs = template.iia.partners
    control.put_iias(
        dataclasses.replace(
            template.iia,
            partners=(dataclasses.replace(ours, iia_id="ctl-temp"), theirs),
        )
    )
    control.amend_la(UNI_A, APPROVED_LA, dataclasses.replace(original, end_date=date(2029, 1, 1)))
    moved = control.advance(timedelta(days=3))
    assert control.outbox() != []

    clock = control.reset()
    assert clock.now < moved.now - timedelta(days=2)  # real time again
    assert served_iia_ids(ewp_partner) == iias_before
    assert las.get_one(UNI_A, APPROVED_LA) == original
    assert control.outbox() == []
    assert control.received() == []


def test_a_reset_over_a_database_is_refused_with_a_409(tmp_path: Path) -> None:
    with SqliteState.open(tmp_path / "node.db") as state:
        app = create_app(make_config(control=True), state=state)
        with (
            httpx.Client(transport=AppTransport(app), base_url="http://mock.test") as http,
            pytest.raises(ControlConflict) as refused,
        ):
            ControlClient("http://mock.test", http=http).reset()
    assert refused.value.kind == "database"
    assert "--db" in str(refused.value.detail)


def test_control_steps_write_through_to_a_database(tmp_path: Path) -> None:
    with SqliteState.open(tmp_path / "node.db") as state:
        url = "https://db-node.test"
        app = create_app(make_config(control=True, base_url=url), demo_dataset(), state=state)
        node_of_app(app).register_client(conftest_key(3).public_key, [UNI_B])
        with httpx.Client(transport=AppTransport(app)) as http:
            registry = RegistryClient(f"{url}{CATALOGUE_PATH}", http=http)
            las = LasClient(EwpClient(registry, key=conftest_key(3), http=http, hei_ids=(UNI_B,)))
            before = las.get_one(UNI_A, APPROVED_LA)
            assert before is not None
            amended = dataclasses.replace(before, end_date=date(2028, 3, 1))
            ControlClient(url, http=http).amend_la(UNI_A, APPROVED_LA, amended)
            after = las.get_one(UNI_A, APPROVED_LA)
        kept = state.las.find(UNI_A, APPROVED_LA)
    assert after is not None
    assert after.end_date == date(2028, 3, 1)
    assert kept is not None
    assert kept.la.end_date == date(2028, 3, 1)


def test_the_clock_is_set_and_advanced_while_clients_keep_real_time(ewp_partner: Partner) -> None:
    control = ewp_partner.control
    start = control.clock()
    assert (start.clock, start.settable, start.advances) == ("NodeClock", True, True)
    later = datetime.now(UTC) + timedelta(days=40)
    assert control.set_clock(later).now >= later
    with pytest.raises(ControlBadRequest) as back:
        control.set_clock(later - timedelta(days=1))
    assert back.value.kind == "bad-time"
    moved = control.advance(timedelta(days=2))
    assert moved.now >= later + timedelta(days=2)
    # business time is 42 days ahead; the signatures (ours and the node's) stay on real time
    assert EchoClient(ewp_partner.client()).echo(UNI_A, ["still"]).echoes == ("still",)
    # and what changes now is dated on business time: modified_since sees it
    template = LasClient(ewp_partner.client()).get_one(UNI_A, APPROVED_LA)
    assert template is not None
    control.put_las(dataclasses.replace(template, omobility_id="ctl-late"))
    since = LasClient(ewp_partner.client()).index(UNI_A, modified_since=later)
    assert since == ("ctl-late",)


def test_the_exchange_log_shows_ewp_exchanges_and_not_the_control_calls(
    ewp_partner: Partner,
) -> None:
    control = ewp_partner.control
    control.reset()
    assert EchoClient(ewp_partner.client()).echo(UNI_A, ["logged"]).echoes == ("logged",)
    control.clock()  # a control call: plumbing, never recorded
    records = control.exchanges()
    echoes = [r for r in records if "/echo" in r["url"]]
    assert echoes, [r["url"] for r in records]
    echo = echoes[-1]
    assert (echo["direction"], echo["status"]) == ("in", 200)
    assert echo["request_signature"] == "verified"
    assert echo["key_id"] == ewp_partner.key.key_id
    assert echo["response_schema"]["verdict"] == "valid"
    assert not any("/_mock/" in r["url"] for r in records)
    assert control.exchanges(since=echo["seq"]) == [r for r in records if r["seq"] > echo["seq"]]


# ---------------------------------------------------------------- the outbox


def test_trigger_queues_a_cnr_the_outbox_shows_and_flush_tries(ewp_partner: Partner) -> None:
    control = ewp_partner.control
    (entry,) = control.trigger(CnrKind.LA, UNI_B, ["la-approved"], sending_hei_id=UNI_A)
    assert (entry.key.kind, entry.key.partner_hei_id, entry.key.sending_hei_id) == (
        CnrKind.LA,
        UNI_B,
        UNI_A,
    )
    # uni-b publishes no LA CNR API in this partner's catalogue: tried, failed for good
    (after,) = control.flush()
    assert after.state is EntryState.FAILED
    assert after.attempts[-1].error is not None
    assert after.attempts[-1].error.value == "no-endpoint"
    with pytest.raises(ControlBadRequest) as refused:
        control.trigger(CnrKind.LA, UNI_B, ["x"])  # an LA CNR names its sending HEI
    assert refused.value.kind == "bad-notification"


def test_a_bad_json_body_is_a_400(ewp_partner: Partner) -> None:
    answer = ewp_partner.http().post(
        f"{ewp_partner.url}{CONTROL_PREFIX}/clock/advance", json={"seconds": -5}
    )
    assert answer.status_code == 400
    assert answer.json()["error"] == "bad-request"
    assert "seconds" in answer.json()["detail"]


def test_the_exchange_log_is_read_through_control_and_emptied_by_a_reset() -> None:
    app = create_app(make_config(control=True))
    ring = ExchangeRing()
    node_of_app(app).exchanges = ring  # type: ignore[attr-defined] (what a node keeping a log has)
    with httpx.Client(
        transport=AppTransport(ExchangeLog(app, ring=ring)), base_url="http://mock.test"
    ) as http:
        assert http.get("/ewp/echo").status_code == 401  # unsigned: answered and logged
        control = ControlClient("http://mock.test", http=http)
        logged = control.exchanges()
        echoes = [r for r in logged if "/ewp/echo" in r["url"]]
        assert [(r["method"], r["status"]) for r in echoes] == [("GET", 401)]
        later = control.exchanges(since=echoes[0]["seq"])  # the control calls since
        assert later != []
        assert all("/ewp/echo" not in r["url"] for r in later)
        control.reset()
        assert [r for r in control.exchanges() if "/ewp/echo" in r["url"]] == []


async def test_the_async_client_drives_the_same_api(ewp_partner: Partner) -> None:
    async with (
        ewp_partner.async_http() as http,
        AsyncControlClient(ewp_partner.url, http=http) as control,
    ):
        before = await control.clock()
        after = await control.advance(timedelta(hours=5))
        assert after.now - before.now >= timedelta(hours=5)
        assert await control.outbox() == []
        with pytest.raises(ControlNotFound):
            await control.amend_la(UNI_A, "no-such-la", b"<x/>")
        reset = await control.reset()
        assert reset.now < after.now


def test_a_given_manual_clock_is_moved_and_reset_to_its_start_a_system_clock_is_not() -> None:
    start = datetime(2026, 10, 1, 9, 0, tzinfo=UTC)
    with Partner.in_process(keys=keys(), clock=ManualClock(start)) as partner:
        control = partner.control
        assert control.advance(timedelta(hours=5)).now == start + timedelta(hours=5)
        assert control.reset().now == start
    app = create_app(make_config(control=True), clock=SystemClock())
    with httpx.Client(transport=AppTransport(app), base_url="http://mock.test") as http:
        control = ControlClient("http://mock.test", http=http)
        assert (control.clock().settable, control.clock().advances) == (False, False)
        with pytest.raises(ControlConflict) as fixed:
            control.advance(timedelta(hours=1))
        assert fixed.value.kind == "clock-fixed"
        with pytest.raises(ControlConflict):
            control.set_clock(datetime.now(UTC) + timedelta(days=1))


def test_the_outbox_is_waited_for_from_another_loop_than_its_task(ewp_partner: Partner) -> None:
    """The delivery task runs on the partner's loop; a test's own loop waits on it safely."""
    ewp_partner.control.trigger(CnrKind.LA, UNI_B, [APPROVED_LA], sending_hei_id=UNI_A)

    async def wait_from_here() -> None:
        await asyncio.wait_for(ewp_partner.node.outbox.idle(), 20)

    for _ in range(20):  # each time on a new loop, as a test's event loop would be
        asyncio.run(wait_from_here())
    assert ewp_partner.node.outbox.running
