"""Outgoing Mobility LAs v1: the ``stats`` endpoint's answer (counters per academic year)."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..namespaces import LAS_STATS_NS
from ._meta import element


@dataclass(frozen=True, kw_only=True, slots=True)
class OutgoingLaStats:
    """Counters of the outgoing LAs of one receiving academic year."""

    receiving_academic_year_id: str = field(metadata=element("receiving-academic-year-id"))
    la_outgoing_total: int = field(metadata=element("la-outgoing-total"))
    la_outgoing_not_modified_after_approval: int = field(
        metadata=element("la-outgoing-not-modified-after-approval")
    )
    la_outgoing_modified_after_approval: int = field(
        metadata=element("la-outgoing-modified-after-approval")
    )
    la_outgoing_latest_version_approved: int = field(
        metadata=element("la-outgoing-latest-version-approved")
    )
    la_outgoing_latest_version_rejected: int = field(
        metadata=element("la-outgoing-latest-version-rejected")
    )
    la_outgoing_latest_version_awaiting: int = field(
        metadata=element("la-outgoing-latest-version-awaiting")
    )

    class Meta:
        namespace = LAS_STATS_NS


@dataclass(frozen=True, kw_only=True, slots=True)
class LasStatsResponse:
    """The answer of the LAs ``stats`` endpoint."""

    academic_years: tuple[OutgoingLaStats, ...] = field(
        default=(), metadata=element("academic-year-la-stats")
    )

    class Meta:
        name = "las-outgoing-stats-response"
        namespace = LAS_STATS_NS
