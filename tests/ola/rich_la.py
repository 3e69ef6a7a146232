"""An LA with every snapshot and every component list filled, for classification tests."""

from __future__ import annotations

import dataclasses
from decimal import Decimal
from typing import Any

from ewp_client.models import (
    ChangesProposal,
    ComponentList,
    ComponentStatus,
    Credit,
    LaComponent,
    LearningAgreement,
    ListOfComponents,
    ReasonCode,
    TermId,
)
from ewp_client.ola.proposal import TABLE_FIELDS
from tests.codec.samples import signature
from tests.ola.support import header

TABLE_LETTER = {
    "components_studied": "A",
    "components_recognized": "B",
    "virtual_components": "C",
    "blended_mobility_components": "blended",
    "short_term_doctoral_components": "doctoral",
}


def row(title: str, ects: str = "5", status: ComponentStatus | None = None) -> LaComponent:
    reason = (
        {
            ComponentStatus.DELETED: ReasonCode.NOT_AVAILABLE,
            ComponentStatus.INSERTED: ReasonCode.SUBSTITUTING_DELETED,
        }.get(status)
        if status
        else None
    )
    return LaComponent(
        los_code=title[:4].upper(),
        title=title,
        term_id=TermId(term_number=1, total_terms=1),
        credits=(Credit(scheme="ects", value=Decimal(ects)),),
        status=status,
        reason_code=reason,
    )


def _lists(tag: str, status: ComponentStatus | None) -> dict[str, Any]:
    return {
        name: ComponentList(components=(row(f"{tag} {name} one", status=status),))
        for name in TABLE_FIELDS
    }


def rich_la() -> LearningAgreement:
    first = ListOfComponents(
        **_lists("first", None),
        student_signature=signature(None, 1),
        sending_hei_signature=signature("Marta Quill", 2),
        receiving_hei_signature=signature("Jonas Berg", 3),
    )
    approved = ListOfComponents(
        **_lists("approved", ComponentStatus.INSERTED),
        student_signature=signature(None, 4),
        sending_hei_signature=signature("Marta Quill", 5),
        receiving_hei_signature=signature("Jonas Berg", 6),
    )
    proposal = ChangesProposal(
        id="any",
        **_lists("proposed", ComponentStatus.INSERTED),
        student_signature=signature(None, 7),
        sending_hei_signature=signature("Marta Quill", 8),
    )
    return dataclasses.replace(
        header(), first_version=first, approved_changes=approved, changes_proposal=proposal
    )
