"""The outbox's plain data: notifications checked when made, entries that survive JSON."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from ewp_client.cnr import (
    Attempt,
    AttemptResult,
    CnrKind,
    EntryState,
    Failed,
    FailureKind,
    NotificationKey,
    OutboxEntry,
    OutgoingNotification,
)
from ewp_client.errors import ConfigError

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
A, B = "uni-a.example.org", "uni-b.example.org"


def entry() -> OutboxEntry:
    return OutboxEntry(
        key=NotificationKey(
            kind=CnrKind.LA, partner_hei_id=B, sending_hei_id=A, object_id='om-1 é/"x"'
        ),
        state=EntryState.PENDING,
        revision=3,
        announced=1,
        changed_at=T0,
        due_at=T0 + timedelta(seconds=90),
        expires_at=T0 + timedelta(hours=24),
        tries=2,
        url="https://b.example.org/ewp/la-cnr",
        leased_until=T0 + timedelta(minutes=10),
        attempts=(
            Attempt(
                at=T0,
                result=AttemptResult.DELIVERED,
                revision=1,
                status=200,
                delivery_id="d1",
            ),
            Attempt(
                at=T0 + timedelta(seconds=30, microseconds=5),
                result=AttemptResult.RETRY,
                revision=3,
                status=None,
                error=FailureKind.TIMEOUT,
                detail="TransportError",
                next_try=T0 + timedelta(seconds=90),
                delivery_id="d2",
            ),
        ),
    )


def test_an_entry_survives_a_json_round_trip() -> None:
    original = entry()
    text = original.to_json()
    assert OutboxEntry.from_json(text) == original
    assert OutboxEntry.from_json(text.encode()) == original
    assert OutboxEntry.from_json(text).to_json() == text


def test_an_entry_with_no_optional_fields_survives_too() -> None:
    bare = OutboxEntry(
        key=NotificationKey(kind=CnrKind.IIA, partner_hei_id=B, sending_hei_id=None, object_id="i"),
        state=EntryState.EXPIRED,
        revision=1,
        announced=0,
        changed_at=T0,
        due_at=T0,
        expires_at=T0,
    )
    assert OutboxEntry.from_json(bare.to_json()) == bare


def test_the_json_form_is_plain_and_its_times_are_utc_iso_8601() -> None:
    data = json.loads(entry().to_json())
    assert data["format"] == 1
    assert data["kind"] == "la-cnr"
    assert data["state"] == "pending"
    assert data["changed_at"] == "2026-03-01T09:00:00+00:00"
    assert data["attempts"][1]["error"] == "timeout"
    assert data["attempts"][1]["at"] == "2026-03-01T09:00:30.000005+00:00"


@pytest.mark.parametrize(
    "damage",
    [
        lambda d: d.pop("state"),
        lambda d: d.update(format=2),
        lambda d: d.update(state="lost"),
        lambda d: d.update(kind="echo"),
        lambda d: d.update(revision="3"),
        lambda d: d.update(revision=True),
        lambda d: d.update(changed_at="2026-03-01T09:00:00"),  # naive
        lambda d: d.update(due_at=12),
        lambda d: d.update(attempts={}),
        lambda d: d.update(attempts=[1]),
        lambda d: d["attempts"][0].update(result="maybe"),
        lambda d: d.update(object_id=None),
        lambda d: d.update(url=5),
    ],
)
def test_a_damaged_entry_is_refused_with_a_config_error(damage: object) -> None:
    data = json.loads(entry().to_json())
    damage(data)  # type: ignore[operator]
    with pytest.raises(ConfigError, match="not an outbox entry"):
        OutboxEntry.from_json(json.dumps(data))


@pytest.mark.parametrize("text", ["", "{", "[]", "null", '"x"'])
def test_text_that_is_no_entry_is_refused(text: str) -> None:
    with pytest.raises(ConfigError):
        OutboxEntry.from_json(text)


def test_keys_have_a_stable_text_form() -> None:
    key = entry().key
    assert NotificationKey.from_string(key.as_string()) == key
    # ASCII only (any store can index it), one spelling per key
    assert key.as_string() == (
        '["la-cnr","uni-b.example.org","uni-a.example.org","om-1 \\u00e9/\\"x\\""]'
    )
    with pytest.raises(ConfigError):
        NotificationKey.from_string('["la-cnr", 1, null, "x"]')


def test_notifications_drop_repeated_ids_and_refuse_what_cannot_be_sent() -> None:
    la = OutgoingNotification.la(B, A, "om-2", "om-1", "om-2")
    assert la.object_ids == ("om-2", "om-1")
    assert [k.object_id for k in la.entry_keys()] == ["om-2", "om-1"]
    assert OutgoingNotification.iia(B, "iia-1").kind is CnrKind.IIA
    assert OutgoingNotification.iia_approval(B, "their-1").kind is CnrKind.IIA_APPROVAL
    with pytest.raises(ConfigError, match="sending HEI"):
        OutgoingNotification(kind=CnrKind.LA, partner_hei_id=B, object_ids=("om-1",))
    with pytest.raises(ConfigError, match="object ids"):
        OutgoingNotification.iia(B)
    with pytest.raises(ConfigError, match="object ids"):
        OutgoingNotification.iia(B, "")
    with pytest.raises(ConfigError, match="partner"):
        OutgoingNotification.iia("", "iia-1")


@pytest.mark.parametrize(
    ("status", "retryable"),
    [
        (400, False),
        (403, False),
        (404, False),
        (409, False),
        (500, True),
        (501, False),
        (503, True),
    ],
)
def test_a_status_failure_is_retryable_for_5xx_but_501(status: int, retryable: bool) -> None:
    failed = Failed.for_status(status)
    assert (failed.retryable, failed.status, failed.error) == (
        retryable,
        status,
        FailureKind.HTTP_STATUS,
    )
