"""Minor or major? Classify two amendments of a Learning Agreement and build the proposal.

Since EWP Dashboard 5.0, changing the mobility dates is a minor amendment (edit
in place and notify the partner), while changing Table A needs a new
changes-proposal that the student and the sending HEI sign and the receiving
HEI approves. This script does both to the LA in ``examples/data``: the
proposal comes from the two versions of the LA, the approved one and the
edited one. A change that gives no reason is reported with a warning (the
spec says a reason SHOULD be given); the second try gives one.

Run: ``python examples/la_amendment.py``
"""

from __future__ import annotations

import dataclasses
import warnings
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from ewp_client.codec import decode, encode
from ewp_client.models import (
    ComponentList,
    Credit,
    LaComponent,
    LasGetResponse,
    LearningAgreement,
    ReasonCode,
    Signature,
)
from ewp_client.ola import (
    ChangeReason,
    MissingReasonWarning,
    changes_proposal_between,
    classify_amendment,
)

DATA = Path(__file__).parent / "data" / "la-get-response.xml"


def show(title: str, before: LearningAgreement, after: LearningAgreement) -> None:
    report = classify_amendment(before, after)
    print(
        f"{title}: {report.kind.value}"
        f" ({'re-validation needed' if report.requires_revalidation else 'no new signatures'})"
    )
    for change in report.changes:
        print(f"  table {change.table.value}: {change.path}: {change.before!r} -> {change.after!r}")


def main() -> None:
    (la,) = decode(DATA.read_bytes(), LasGetResponse).las
    assert la.start_date is not None
    assert la.first_version is not None

    later = dataclasses.replace(la, start_date=la.start_date + timedelta(days=14))
    show("mobility starts two weeks later", la, later)

    # The edited LA: one course more in Table A (a component list iterates like a tuple).
    studied = la.first_version.components_studied
    ects = Credit(scheme="ects", value=Decimal(5))
    extra = LaComponent(title="Machine Learning", credits=(ects,))
    rows = ComponentList(components=(*(studied or ()), extra))
    edited = dataclasses.replace(
        la, first_version=dataclasses.replace(la.first_version, components_studied=rows)
    )
    now = datetime.now(UTC).replace(microsecond=0)
    student = Signature(signer_name="The Student", timestamp=now)
    coordinator = Signature(
        signer_name="Sending Coordinator",
        signer_position="Erasmus coordinator",
        signer_email="coordinator@sending.example.org",
        timestamp=now,
    )
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", MissingReasonWarning)
        changes_proposal_between(
            la, edited, student_signature=student, sending_hei_signature=coordinator
        )
    for warning in caught:
        print(f"without a reason: {warning.category.__name__}: {warning.message}")

    reasons = {extra: ChangeReason(ReasonCode.EXTENDING_MOBILITY)}
    proposal = changes_proposal_between(
        la, edited, student_signature=student, sending_hei_signature=coordinator, reasons=reasons
    )
    changed = dataclasses.replace(la, changes_proposal=proposal)
    show("a course added to Table A", la, changed)
    print(f"changes-proposal id: {proposal.id}")
    document = encode(LasGetResponse(las=(changed,)))  # schema-validated on the way out
    print(f"the LA with its proposal: {len(document)} bytes, valid")


if __name__ == "__main__":
    main()
