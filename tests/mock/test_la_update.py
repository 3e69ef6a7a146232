"""OMobility LAs ``update`` at the mock, on the demo data, with our own LasClient.

The receiving HEI (``uni-b``) approves ``uni-a``'s pending changes proposal and the next
``get`` shows it approved with its signature; a stale proposal id is a 409 the client
raises as a typed error; a repeated approval is a 409 the client settles as
:class:`~ewp_client.errors.AlreadyApplied`; a comment is recorded and a second decision
on that proposal refused. Raw requests check the endpoint rules (manifest entry, 405,
415, 400 for a caller that does not receive the LA) and the validity of every answer.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime

import httpx
import pytest
from fastapi import FastAPI

from ewp_client import AsyncEwpClient, AsyncLasClient, AsyncRegistryClient
from ewp_client.client.las import Signer, approve_request
from ewp_client.codec import encode
from ewp_client.error_response import parse_error_response
from ewp_client.errors import AlreadyApplied, EditConflict, LaUpdateError
from ewp_client.models import LasEntry, LearningAgreement
from ewp_client.ola import VersionStatus
from ewp_client.security import RequestSigner
from ewp_client.server.la_update import STALE_USER_MESSAGE
from ewp_client.xml import validate
from ewp_mock import MockConfig, create_app, node_of_app
from ewp_mock.data import UNI_A, UNI_B, demo_dataset
from tests.mock.conftest import key

BASE = "http://mock.test"
CATALOGUE = f"{BASE}/catalogue-v1.xml"
UPDATE = "/ewp/las/update"
SIGNER = Signer(
    name="Bruno Rossi",
    position="Erasmus+ coordinator",
    email="bruno.rossi@uni-b.example",
    timestamp=datetime(2026, 9, 25, 10, 0, tzinfo=UTC),
    app="ewp_client tests",
)


@pytest.fixture
def app() -> FastAPI:
    dataset = demo_dataset()
    config = MockConfig(
        base_url=BASE, server_key=key(1), client_key=key(2), hei_ids=dataset.hei_ids
    )
    app = create_app(config, dataset=dataset)
    node = node_of_app(app)
    node.register_client(key(3).public_key, [UNI_B])
    node.register_client(key(4).public_key, ["other.example.org"])
    return app


async def las_client(app: FastAPI, n: int = 3) -> AsyncIterator[AsyncLasClient]:
    transport = httpx.ASGITransport(app=app)
    async with (
        httpx.AsyncClient(transport=transport) as http,
        AsyncEwpClient(AsyncRegistryClient(CATALOGUE, http=http), key=key(n), http=http) as client,
    ):
        yield AsyncLasClient(client)


async def current(las: AsyncLasClient, omobility_id: str) -> LearningAgreement:
    found = await las.get_one(UNI_A, omobility_id)
    assert found is not None
    return found


def status_of(app: FastAPI, omobility_id: str) -> VersionStatus:
    record = node_of_app(app).las.find(UNI_A, omobility_id)
    assert record is not None
    return record.status


async def test_the_receiving_hei_approves_the_pending_proposal_and_get_shows_it(
    app: FastAPI,
) -> None:
    async for las in las_client(app):
        before = await current(las, "la-changes-pending")
        proposal = before.changes_proposal
        assert proposal is not None
        response = await las.approve(UNI_A, "la-changes-pending", proposal.id, SIGNER)
        assert [m.value for m in response.success_user_messages] == [
            "The changes proposal is approved; the Learning Agreement now reads as proposed."
        ]
        after = await current(las, "la-changes-pending")
        assert after.changes_proposal is None
        assert after.first_version == before.first_version
        approved = after.approved_changes
        assert approved is not None
        assert approved.receiving_hei_signature == SIGNER.signature()
        assert approved.components_studied == proposal.components_studied
    assert status_of(app, "la-changes-pending") is VersionStatus.APPROVED


async def test_a_stale_proposal_id_is_a_typed_409_with_the_user_message(app: FastAPI) -> None:
    async for las in las_client(app):
        with pytest.raises(LaUpdateError) as caught:
            await las.approve(UNI_A, "la-changes-pending", "an-old-proposal-id", SIGNER)
    error = caught.value
    assert type(error) is LaUpdateError
    assert error.status == 409
    assert isinstance(error.error, EditConflict)
    assert error.error.user_message == STALE_USER_MESSAGE
    assert error.reread
    assert error.learning_agreement is not None
    assert error.learning_agreement.changes_proposal is not None
    assert status_of(app, "la-changes-pending") is VersionStatus.AWAITING


async def test_a_repeated_approval_is_settled_as_already_applied(app: FastAPI) -> None:
    async for las in las_client(app):
        proposal = (await current(las, "la-awaiting")).changes_proposal
        assert proposal is not None
        request = approve_request(UNI_A, "la-awaiting", proposal.id, SIGNER)
        await las.update(request)
        with pytest.raises(AlreadyApplied) as caught:
            await las.update(request)
    error = caught.value
    assert error.status == 409
    assert isinstance(error.error, EditConflict)
    assert error.error.user_message is not None
    assert "already been approved" in error.error.user_message
    assert error.learning_agreement is not None
    first = error.learning_agreement.first_version
    assert first is not None
    assert first.receiving_hei_signature == SIGNER.signature()


async def test_a_comment_is_recorded_and_the_proposal_cannot_be_decided_again(
    app: FastAPI,
) -> None:
    async for las in las_client(app):
        before = await current(las, "la-awaiting")
        assert before.changes_proposal is not None
        pid = before.changes_proposal.id
        response = await las.comment(UNI_A, "la-awaiting", pid, SIGNER, "Control Systems is full.")
        assert [m.value for m in response.success_user_messages] == [
            "Your comment on the changes proposal is recorded."
        ]
        assert await current(las, "la-awaiting") == before
        assert status_of(app, "la-awaiting") is VersionStatus.REJECTED
        with pytest.raises(LaUpdateError) as caught:
            await las.approve(UNI_A, "la-awaiting", pid, SIGNER)
    assert caught.value.status == 409
    assert isinstance(caught.value.error, EditConflict)
    assert "already been commented on" in (caught.value.error.user_message or "")
    record = node_of_app(app).las.find(UNI_A, "la-awaiting")
    assert record is not None
    assert record.rejection is not None
    assert record.rejection.comment == "Control Systems is full."


async def test_an_update_from_a_hei_that_does_not_receive_the_la_is_400(app: FastAPI) -> None:
    async for las in las_client(app, 4):
        with pytest.raises(LaUpdateError) as caught:
            await las.approve(UNI_A, "la-changes-pending", "any", SIGNER)
    assert caught.value.status == 400
    assert "sends no learning agreement 'la-changes-pending'" in str(caught.value)
    assert status_of(app, "la-changes-pending") is VersionStatus.AWAITING


# ------------------------------------------------------------ raw requests


async def send(app: FastAPI, method: str, body: bytes, content_type: str | None) -> httpx.Response:
    headers = {"Content-Type": content_type} if content_type else {}
    signed = RequestSigner(key(3)).sign(
        method=method, target=UPDATE, body=body, host="mock.test", headers=list(headers.items())
    )
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url=BASE) as http:
        sent = {**headers, **dict(signed.headers)}
        return await http.request(method, UPDATE, content=body, headers=sent)


def pending_request(app: FastAPI) -> bytes:
    record = node_of_app(app).las.find(UNI_A, "la-changes-pending")
    assert record is not None
    assert record.proposal_id is not None
    return encode(approve_request(UNI_A, "la-changes-pending", record.proposal_id, SIGNER))


def test_the_manifest_announces_the_update_url(app: FastAPI) -> None:
    manifest = node_of_app(app).manifest(UNI_A)
    assert manifest is not None
    host = manifest.host
    assert host is not None
    assert host.apis_implemented is not None
    entries = [e for e in host.apis_implemented.entries if isinstance(e, LasEntry)]
    (entry,) = entries
    assert entry.update_url == f"{BASE}{UPDATE}"


@pytest.mark.parametrize("content_type", ["application/xml", None])
async def test_a_raw_xml_post_is_applied_with_a_valid_answer(
    app: FastAPI, content_type: str | None
) -> None:
    response = await send(app, "POST", pending_request(app), content_type)
    assert response.status_code == 200, response.text
    validate(response.content)
    assert status_of(app, "la-changes-pending") is VersionStatus.APPROVED


async def test_a_form_body_is_415_and_a_get_is_405(app: FastAPI) -> None:
    form = await send(app, "POST", b"sending_hei_id=uni-a", "application/x-www-form-urlencoded")
    assert form.status_code == 415
    validate(form.content)
    assert "XML body" in (parse_error_response(form.content).developer or "")
    got = await send(app, "GET", b"", None)
    assert got.status_code == 405
    validate(got.content)
    assert status_of(app, "la-changes-pending") is VersionStatus.AWAITING


async def test_a_bad_xml_body_is_400_naming_the_problem(app: FastAPI) -> None:
    response = await send(app, "POST", b"<omobility-las-update-request>", "text/xml")
    assert response.status_code == 400
    validate(response.content)
    developer = parse_error_response(response.content).developer or ""
    assert developer.startswith("the update request body is not acceptable XML")
