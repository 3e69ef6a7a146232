"""Outgoing Mobility LA CNR v1 (release 1.1): the notification answer and incoming-LA stats."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..namespaces import LA_CNR_NS, LA_CNR_STATS_NS
from ._meta import element


@dataclass(frozen=True, kw_only=True, slots=True)
class LaCnrResponse:
    """The (always empty) answer to an LA change notification."""

    class Meta:
        name = "omobility-la-cnr-response"
        namespace = LA_CNR_NS


@dataclass(frozen=True, kw_only=True, slots=True)
class IncomingLaStats:
    """Counters of the incoming LAs of one receiving academic year."""

    receiving_academic_year_id: str = field(metadata=element("receiving-academic-year-id"))
    la_incoming_total: int = field(metadata=element("la-incoming-total"))
    la_incoming_some_version_approved: int = field(
        metadata=element("la-incoming-some-version-approved")
    )
    la_incoming_latest_version_approved: int = field(
        metadata=element("la-incoming-latest-version-approved")
    )
    la_incoming_latest_version_rejected: int = field(
        metadata=element("la-incoming-latest-version-rejected")
    )
    la_incoming_latest_version_awaiting: int = field(
        metadata=element("la-incoming-latest-version-awaiting")
    )

    class Meta:
        namespace = LA_CNR_STATS_NS


@dataclass(frozen=True, kw_only=True, slots=True)
class LaCnrStatsResponse:
    """The answer of the LA CNR ``stats`` endpoint (what the receiving HEI holds)."""

    academic_years: tuple[IncomingLaStats, ...] = field(
        default=(), metadata=element("academic-year-la-stats")
    )

    class Meta:
        name = "las-incoming-stats-response"
        namespace = LA_CNR_STATS_NS
