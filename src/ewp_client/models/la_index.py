"""Outgoing Mobility LAs v1: the ``index`` endpoint's answer."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..namespaces import LAS_INDEX_NS
from ._meta import element


@dataclass(frozen=True, kw_only=True, slots=True)
class LasIndexResponse:
    """The mobility ids that have a learning agreement the caller may see."""

    omobility_ids: tuple[str, ...] = field(default=(), metadata=element("omobility-id"))

    class Meta:
        name = "omobility-las-index-response"
        namespace = LAS_INDEX_NS
