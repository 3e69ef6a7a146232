"""``kill -9`` in the middle of writes loses no committed change and no pending notification.

A child process writes, in a loop, one change (an approval; every third time
an LA too) and the outbox entry announcing it in one transaction, and prints
the id once the transaction has committed. The parent kills it with SIGKILL
after a random number of ids (and a random pause, to land inside a
transaction), then opens the database: every id printed is there, with its
notification, and no change is there without it.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from ewp_mock.data import UNI_A, UNI_B
from ewp_mock.store import SqliteState

from .conftest import demo

pytestmark = pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL (POSIX)")

CHILD = f"""
import dataclasses, sys
from datetime import UTC, datetime, timedelta
from ewp_client.cnr import CnrKind, EntryState, NotificationKey, OutboxEntry
from ewp_client.iia import ApprovalRecord
from ewp_mock.store import SqliteState

path, synchronous = sys.argv[1], sys.argv[2]
a, b = "{UNI_A}", "{UNI_B}"
t0 = datetime(2026, 3, 1, tzinfo=UTC)
state = SqliteState.open(path, synchronous=synchronous)
la = state.las.find(a, "la-approved")
i = 0
while True:
    key = NotificationKey(
        kind=CnrKind.IIA_APPROVAL, partner_hei_id=b, sending_hei_id=a, object_id=f"id-{{i}}"
    )
    entry = OutboxEntry(
        key=key, state=EntryState.PENDING, revision=1, announced=0,
        changed_at=t0, due_at=t0, expires_at=t0 + timedelta(hours=24),
    )
    with state.transaction():
        state.approvals.put(
            a, ApprovalRecord(partner_hei_id=b, iia_id=f"id-{{i}}", iia_hash="ef" * 32)
        )
        if i % 3 == 0:
            state.las.put(dataclasses.replace(la, unapproved_identity=frozenset({{f"id-{{i}}"}})))
        state.outbox.save([entry])
    print(i, flush=True)
    i += 1
"""


@pytest.mark.parametrize(
    ("seed", "synchronous"), [(1, "full"), (2, "full"), (3, "full"), (4, "normal"), (5, "normal")]
)
def test_kill_9_loses_nothing_committed(seeded: Path, seed: int, synchronous: str) -> None:
    rng = random.Random(seed)
    target = rng.randint(5, 60)
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(seeded), synchronous],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert child.stdout is not None
    reported: list[int] = []
    try:
        while len(reported) < target:
            line = child.stdout.readline()
            if not line:
                pytest.fail(f"the writer stopped: {child.stderr.read() if child.stderr else ''}")
            reported.append(int(line))
        time.sleep(rng.random() * 0.02)  # when the kill lands, not what is asserted
        os.kill(child.pid, signal.SIGKILL)
    finally:
        child.kill()
        child.wait()
    # What was printed before the kill is committed too. Read it through the same buffered
    # reader: communicate() would read the pipe beneath it and miss lines readline() read ahead.
    rest = child.stdout.read()
    child.stdout.close()
    if child.stderr is not None:
        child.stderr.close()
    reported += [int(n) for n in rest.split()]
    assert child.returncode == -signal.SIGKILL
    assert (seeded.parent / (seeded.name + "-wal")).exists()  # the kill left a WAL to recover

    with SqliteState.open(seeded) as state:
        approvals = {r.iia_id for r in state.approvals.of(UNI_A) if r.partner_hei_id == UNI_B}
        approvals -= {r.iia_id for r in demo().heis[UNI_A].approvals}
        notified = {e.key.object_id for e in state.outbox.load()}
        la = state.las.find(UNI_A, "la-approved")
        version = state.las.version(UNI_A, "la-approved")
    ids = {f"id-{i}" for i in reported}
    assert ids <= approvals
    assert approvals == notified  # no change without its notification, nor the reverse
    last = max(reported)
    committed = max(int(i.removeprefix("id-")) for i in approvals)
    assert committed in (last, last + 1)  # at most the one transaction not yet reported
    assert la is not None
    assert la.unapproved_identity == {f"id-{committed - committed % 3}"}
    assert version == 1 + committed // 3 + 1
