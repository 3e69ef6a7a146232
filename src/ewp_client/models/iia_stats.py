"""Interinstitutional Agreements API: the ``stats`` endpoint's answer (v7, and v6 for migration)."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..namespaces import IIAS_V6_STATS_NS, IIAS_V7_STATS_NS
from ._meta import element


@dataclass(frozen=True, kw_only=True, slots=True)
class IiasStatsResponse:
    """Counters of the serving system's agreements, by who has approved them (v7)."""

    iia_fetchable: int = field(metadata=element("iia-fetchable"))
    iia_local_unapproved_partner_approved: int = field(
        metadata=element("iia-local-unapproved-partner-approved")
    )
    iia_local_approved_partner_unapproved: int = field(
        metadata=element("iia-local-approved-partner-unapproved")
    )
    iia_both_approved: int = field(metadata=element("iia-both-approved"))

    class Meta:
        name = "iias-stats-response"
        namespace = IIAS_V7_STATS_NS


@dataclass(frozen=True, kw_only=True, slots=True)
class IiasStatsResponseV6:
    """The same four counters in the v6 namespace."""

    iia_fetchable: int = field(metadata=element("iia-fetchable"))
    iia_local_unapproved_partner_approved: int = field(
        metadata=element("iia-local-unapproved-partner-approved")
    )
    iia_local_approved_partner_unapproved: int = field(
        metadata=element("iia-local-approved-partner-unapproved")
    )
    iia_both_approved: int = field(metadata=element("iia-both-approved"))

    class Meta:
        name = "iias-stats-response"
        namespace = IIAS_V6_STATS_NS
