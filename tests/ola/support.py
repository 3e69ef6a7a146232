"""Helpers shared by the OLA tests: an LA header to start from, and order-free snapshot views."""

from __future__ import annotations

import dataclasses
from collections import Counter

from ewp_client.models import LaComponent, LearningAgreement, ListOfComponents
from ewp_client.ola.amendments import describe_component
from ewp_client.ola.proposal import TABLE_FIELDS
from tests.codec.samples import learning_agreement


def header() -> LearningAgreement:
    """A complete LA without any component snapshot (a draft)."""
    return dataclasses.replace(
        learning_agreement(), first_version=None, approved_changes=None, changes_proposal=None
    )


def tables_view(snapshot: ListOfComponents | None) -> dict[str, Counter[str]]:
    """Each table's components (with status and reason) as a multiset: order is not content."""
    out: dict[str, Counter[str]] = {}
    for name in TABLE_FIELDS:
        table = None if snapshot is None else getattr(snapshot, name)
        rows: tuple[LaComponent, ...] = () if table is None else table.components
        if rows:
            out[name] = Counter(describe_component(c) for c in rows)
    return out


def signatures_view(snapshot: ListOfComponents | None) -> tuple[object, ...]:
    if snapshot is None:
        return ()
    return (
        snapshot.student_signature,
        snapshot.sending_hei_signature,
        snapshot.receiving_hei_signature,
    )
