"""Interinstitutional Agreements API: the ``index`` endpoint's answer (v7, and v6 for migration)."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..namespaces import IIAS_V6_INDEX_NS, IIAS_V7_INDEX_NS
from ._meta import element


@dataclass(frozen=True, kw_only=True, slots=True)
class IiasIndexResponse:
    """The ids, local to the serving HEI, of the agreements the caller may fetch (v7)."""

    iia_ids: tuple[str, ...] = field(default=(), metadata=element("iia-id"))

    class Meta:
        name = "iias-index-response"
        namespace = IIAS_V7_INDEX_NS


@dataclass(frozen=True, kw_only=True, slots=True)
class IiasIndexResponseV6:
    """The v6 ``index`` answer: ids local to the HEI named by the ``hei_id`` parameter."""

    iia_ids: tuple[str, ...] = field(default=(), metadata=element("iia-id"))

    class Meta:
        name = "iias-index-response"
        namespace = IIAS_V6_INDEX_NS
