"""Types of the Registry's catalogue schema that other documents reuse.

The Discovery manifest lists the HEI a host covers as a Registry ``hei``
element, and Institutions v2 gives other identifiers of a HEI as Registry
``OtherHeiId`` values. The catalogue document itself is read by
:mod:`ewp_client.registry`, not by these models.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from ..namespaces import REGISTRY_NS
from ._meta import attribute, element, text
from .common import StringWithOptionalLang


class OtherHeiIdType(StrEnum):
    """The kinds of other HEI identifiers the spec names (any other kind is allowed too)."""

    PREVIOUS_SCHAC = "previous-schac"
    PIC = "pic"
    ERASMUS = "erasmus"
    EUC = "euc"
    ERASMUS_CHARTER = "erasmus-charter"


@dataclass(frozen=True, kw_only=True, slots=True)
class OtherHeiId:
    """Another identifier of a HEI; ``type`` is one of :class:`OtherHeiIdType` or a custom kind."""

    value: str = field(metadata=text())
    type: str = field(metadata=attribute("type"))

    class Meta:
        namespace = REGISTRY_NS

    @property
    def known_type(self) -> OtherHeiIdType | None:
        """The kind when the spec names it, else ``None`` (a custom kind such as ``local``)."""
        try:
            return OtherHeiIdType(self.type)
        except ValueError:
            return None


@dataclass(frozen=True, kw_only=True, slots=True)
class RegistryHei:
    """A HEI as the Registry describes it: SCHAC ``id``, other ids and names."""

    other_ids: tuple[OtherHeiId, ...] = field(default=(), metadata=element("other-id"))
    names: tuple[StringWithOptionalLang, ...] = field(metadata=element("name"))
    id: str = field(metadata=attribute("id"))

    class Meta:
        name = "hei"
        namespace = REGISTRY_NS
