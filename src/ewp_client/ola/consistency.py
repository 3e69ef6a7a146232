"""What the spec asks of a sending HEI's LAs beyond the XSD, and what two reads of one LA tell.

All pure: the LA client (:class:`~ewp_client.client.LasClient`) runs these on
every LA it reads and issues the warnings they return, so the call still
succeeds; a caller keeping LAs across runs can run them itself.

* :func:`student_name_problems`: the top-level ``student`` must have every field
  (the schema makes them optional for ``changes-proposal`` only); without a
  family name or given names the LA cannot be exchanged.
* :class:`ProposalTracker`: a ``changes-proposal`` id must change if and only
  if the proposal's content changes; an LA read with ``approved-changes`` must
  not lose them (an approval overwritten, typically by a repeated update's 409).
* :func:`missing_cnr_after_update`: after our update, the sending HEI should
  send an LA CNR; with none after ``wait`` seconds, say so (information).
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections import OrderedDict
from datetime import datetime
from typing import Final

from ..errors import (
    EwpWarning,
    LaApprovalRegressed,
    MissingCnrAfterUpdate,
    StudentNameMissing,
    UnstableChangesProposalId,
)
from ..models.la import ChangesProposal, LearningAgreement

__all__ = [
    "ProposalTracker",
    "missing_cnr_after_update",
    "proposal_fingerprint",
    "student_name_problems",
]

#: The student fields without which an LA cannot be exchanged (known issue
#: ``la-student-family-name-missing``), by element name and model attribute.
_NAME_FIELDS: Final = (("family-name", "family_name"), ("given-names", "given_names"))


def student_name_problems(la: LearningAgreement) -> list[StudentNameMissing]:
    """A :class:`StudentNameMissing` for each name field the LA's ``student`` lacks."""
    return [
        StudentNameMissing(
            f"LA {la.omobility_id!r}: student/{name} is missing; outside a changes-proposal "
            "every student field is required",
            omobility_id=la.omobility_id,
            field=name,
            path=f"la[omobility-id={la.omobility_id}]/student/{name}",
        )
        for name, attribute in _NAME_FIELDS
        if not (getattr(la.student, attribute) or "").strip()
    ]


def proposal_fingerprint(proposal: ChangesProposal) -> str:
    """A digest of a changes proposal's content: its ``id`` and the receiving HEI's
    signature left out (a sending HEI may record our comment as that signature on the
    same proposal, see :mod:`ewp_client.client.las`)."""
    content = dataclasses.replace(proposal, id="", receiving_hei_signature=None)
    return hashlib.sha256(repr(content).encode()).hexdigest()


@dataclasses.dataclass(frozen=True, slots=True)
class _Seen:
    proposal_id: str | None
    fingerprint: str | None
    approved: bool


class ProposalTracker:
    """Remembers, per LA, the last proposal id and content seen, and whether it was approved.

    :meth:`observe` compares a new read with the previous one. At most
    ``capacity`` LAs are remembered (the least recently read are forgotten).
    """

    def __init__(self, capacity: int = 10_000) -> None:
        self.capacity = capacity
        self._seen: OrderedDict[tuple[str, str], _Seen] = OrderedDict()

    def observe(self, sending_hei_id: str, la: LearningAgreement) -> list[EwpWarning]:
        """The warnings this read of ``la`` raises against the previous read of it."""
        proposal = la.changes_proposal
        now = _Seen(
            proposal_id=proposal.id if proposal is not None else None,
            fingerprint=proposal_fingerprint(proposal) if proposal is not None else None,
            approved=la.approved_changes is not None,
        )
        key = (sending_hei_id, la.omobility_id)
        before = self._seen.pop(key, None)
        self._seen[key] = now
        while len(self._seen) > self.capacity:
            self._seen.popitem(last=False)
        if before is None:
            return []
        found: list[EwpWarning] = []
        unstable = _unstable(la.omobility_id, before, now)
        if unstable is not None:
            found.append(unstable)
        if before.approved and not now.approved:
            found.append(
                LaApprovalRegressed(
                    f"LA {la.omobility_id!r} was read with approved-changes, now shows only "
                    "its first-version: an approval the sending HEI had recorded is gone",
                    omobility_id=la.omobility_id,
                )
            )
        return found


def _unstable(omobility_id: str, before: _Seen, now: _Seen) -> UnstableChangesProposalId | None:
    if before.proposal_id is None or now.proposal_id is None:
        return None
    same_id = before.proposal_id == now.proposal_id
    same_content = before.fingerprint == now.fingerprint
    if same_id == same_content:
        return None
    what = (
        "kept its id although its content changed"
        if same_id
        else "changed its id although its content did not"
    )
    return UnstableChangesProposalId(
        f"LA {omobility_id!r}: the changes proposal {what} ({before.proposal_id!r} -> "
        f"{now.proposal_id!r}); the id must change if and only if the content does",
        omobility_id=omobility_id,
        first_id=before.proposal_id,
        second_id=now.proposal_id,
        content_changed=not same_content,
    )


def missing_cnr_after_update(
    *,
    sending_hei_id: str,
    omobility_id: str,
    updated_at: datetime,
    last_cnr_at: datetime | None,
    now: datetime,
    wait: float,
) -> MissingCnrAfterUpdate | None:
    """The information that no LA CNR followed our update of ``updated_at`` within ``wait`` s.

    ``last_cnr_at`` is when the sending HEI last notified a change of this LA
    (``None``: never). ``None`` while waiting, or when a CNR came after the update.
    """
    if last_cnr_at is not None and last_cnr_at >= updated_at:
        return None
    waited = (now - updated_at).total_seconds()
    if waited < wait:
        return None
    return MissingCnrAfterUpdate(
        f"{sending_hei_id} sent no LA CNR for {omobility_id!r} in the {waited:.0f} s since "
        "our update; the sending HEI should notify updates we initiated too",
        sending_hei_id=sending_hei_id,
        omobility_id=omobility_id,
        updated_at=updated_at,
        waited=waited,
    )
