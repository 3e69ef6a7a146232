"""Shared pieces of the store tests: the demo data set, outbox entries, file fingerprints."""

from __future__ import annotations

import functools
import hashlib
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from ewp_client.cnr import CnrKind, EntryState, NotificationKey, OutboxEntry
from ewp_mock.data import Dataset, demo_dataset
from ewp_mock.store import SqliteState

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


@functools.cache
def demo() -> Dataset:
    return demo_dataset()


def outbox_entry(object_id: str, *, partner: str = "uni-b.example.org") -> OutboxEntry:
    return OutboxEntry(
        key=NotificationKey(
            kind=CnrKind.IIA, partner_hei_id=partner, sending_hei_id=None, object_id=object_id
        ),
        state=EntryState.PENDING,
        revision=1,
        announced=0,
        changed_at=T0,
        due_at=T0,
        expires_at=T0 + timedelta(hours=24),
    )


def fingerprint(path: Path) -> dict[str, str]:
    """The SHA-256 of ``path`` and of every file beside it whose name starts with it."""
    return {
        p.name: hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(path.parent.iterdir())
        if p.name.startswith(path.name) and p.is_file()
    }


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "node.db"


@pytest.fixture
def seeded(db_path: Path) -> Path:
    """A database holding the demo data set, closed."""
    with SqliteState.open(db_path) as state:
        assert state.seed(demo())
    return db_path
