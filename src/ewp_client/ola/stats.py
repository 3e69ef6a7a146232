"""Counters for the LA ``stats`` endpoints, per receiving academic year.

The sending HEI answers the OMobility LAs ``stats`` endpoint about its
outgoing LAs (:func:`stats_response`); the receiving HEI answers the LA CNR
``stats`` endpoint about the incoming LAs it holds copies of
(:func:`incoming_stats_response`). Both count the same thing, the status of
each LA's latest version (:func:`~.lifecycle.latest_version_status`); drafts
are not served, so they are not counted.

Outgoing semantics (schema annotations): *not modified after approval* is an
LA with only its first version, approved; *modified after approval* one with
an approved version followed by another (approved, awaiting or rejected).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from ..models.la import LearningAgreement
from ..models.la_cnr import IncomingLaStats, LaCnrStatsResponse
from ..models.la_stats import LasStatsResponse, OutgoingLaStats
from .lifecycle import SendingLa, VersionStatus, latest_version_status

__all__ = [
    "ReceivedLa",
    "incoming_stats",
    "incoming_stats_response",
    "outgoing_stats",
    "stats_response",
]


@dataclass(frozen=True, slots=True)
class ReceivedLa:
    """The receiving HEI's copy of an incoming LA and the proposal it commented, if any."""

    la: LearningAgreement
    commented_proposal_id: str | None = None

    @property
    def status(self) -> VersionStatus:
        return latest_version_status(self.la, self.commented_proposal_id)


def _by_year(
    items: Iterable[tuple[LearningAgreement, VersionStatus]],
) -> dict[str, list[tuple[LearningAgreement, VersionStatus]]]:
    years: dict[str, list[tuple[LearningAgreement, VersionStatus]]] = defaultdict(list)
    for la, status in items:
        if status is not VersionStatus.DRAFT:
            years[la.receiving_academic_year_id].append((la, status))
    return dict(sorted(years.items()))


def _count(rows: list[tuple[LearningAgreement, VersionStatus]], status: VersionStatus) -> int:
    return sum(1 for _, s in rows if s is status)


def outgoing_stats(records: Iterable[SendingLa]) -> tuple[OutgoingLaStats, ...]:
    """The sending HEI's counters, one entry per receiving academic year (sorted)."""
    out = []
    for year, rows in _by_year((r.la, r.status) for r in records).items():
        approved_once = [la for la, _ in rows if la.first_version is not None]
        followed = [la for la in approved_once if la.approved_changes or la.changes_proposal]
        out.append(
            OutgoingLaStats(
                receiving_academic_year_id=year,
                la_outgoing_total=len(rows),
                la_outgoing_not_modified_after_approval=len(approved_once) - len(followed),
                la_outgoing_modified_after_approval=len(followed),
                la_outgoing_latest_version_approved=_count(rows, VersionStatus.APPROVED),
                la_outgoing_latest_version_rejected=_count(rows, VersionStatus.REJECTED),
                la_outgoing_latest_version_awaiting=_count(rows, VersionStatus.AWAITING),
            )
        )
    return tuple(out)


def stats_response(records: Iterable[SendingLa]) -> LasStatsResponse:
    """The OMobility LAs ``stats`` answer for these outgoing LAs."""
    return LasStatsResponse(academic_years=outgoing_stats(records))


def incoming_stats(records: Iterable[ReceivedLa]) -> tuple[IncomingLaStats, ...]:
    """The receiving HEI's counters, one entry per receiving academic year (sorted)."""
    out = []
    for year, rows in _by_year((r.la, r.status) for r in records).items():
        out.append(
            IncomingLaStats(
                receiving_academic_year_id=year,
                la_incoming_total=len(rows),
                la_incoming_some_version_approved=sum(
                    1 for la, _ in rows if la.first_version is not None
                ),
                la_incoming_latest_version_approved=_count(rows, VersionStatus.APPROVED),
                la_incoming_latest_version_rejected=_count(rows, VersionStatus.REJECTED),
                la_incoming_latest_version_awaiting=_count(rows, VersionStatus.AWAITING),
            )
        )
    return tuple(out)


def incoming_stats_response(records: Iterable[ReceivedLa]) -> LaCnrStatsResponse:
    """The LA CNR ``stats`` answer (incoming LAs) for these copies."""
    return LaCnrStatsResponse(academic_years=incoming_stats(records))
