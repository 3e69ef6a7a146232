"""Organizational Units API v2: faculties, departments and offices of a HEI."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..namespaces import ADDRESS_NS, OUNITS_NS
from ._meta import element
from .common import StringWithOptionalLang
from .contact import Contact, FlexibleAddress, HttpWithOptionalLang


@dataclass(frozen=True, kw_only=True, slots=True)
class OrganizationalUnit:
    """One unit; ``parent_ounit_id`` places it in the HEI's tree of units."""

    ounit_id: str = field(metadata=element("ounit-id"))
    ounit_code: str = field(metadata=element("ounit-code"))
    names: tuple[StringWithOptionalLang, ...] = field(metadata=element("name"))
    abbreviation: str | None = field(default=None, metadata=element("abbreviation"))
    parent_ounit_id: str | None = field(default=None, metadata=element("parent-ounit-id"))
    street_address: FlexibleAddress | None = field(
        default=None, metadata=element("street-address", namespace=ADDRESS_NS)
    )
    mailing_address: FlexibleAddress | None = field(
        default=None, metadata=element("mailing-address", namespace=ADDRESS_NS)
    )
    website_urls: tuple[HttpWithOptionalLang, ...] = field(
        default=(), metadata=element("website-url")
    )
    logo_url: str | None = field(default=None, metadata=element("logo-url"))
    mobility_factsheet_urls: tuple[HttpWithOptionalLang, ...] = field(
        default=(), metadata=element("mobility-factsheet-url")
    )
    contacts: tuple[Contact, ...] = field(default=(), metadata=element())

    class Meta:
        namespace = OUNITS_NS


@dataclass(frozen=True, kw_only=True, slots=True)
class OunitsResponse:
    """The answer of the OUnits API: the requested units it knows, in any order."""

    ounits: tuple[OrganizationalUnit, ...] = field(default=(), metadata=element("ounit"))

    class Meta:
        name = "ounits-response"
        namespace = OUNITS_NS
