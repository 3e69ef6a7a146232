"""Institutions API v2: what a HEI says about itself (names, addresses, contacts, units)."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..namespaces import ADDRESS_NS, INSTITUTIONS_NS
from ._meta import element
from .common import StringWithOptionalLang
from .contact import Contact, FlexibleAddress, HttpWithOptionalLang
from .registry_types import OtherHeiId


@dataclass(frozen=True, kw_only=True, slots=True)
class Institution:
    """One HEI; ``root_ounit_id`` and ``ounit_ids`` point into the OUnits API."""

    hei_id: str = field(metadata=element("hei-id"))
    other_ids: tuple[OtherHeiId, ...] = field(default=(), metadata=element("other-id"))
    names: tuple[StringWithOptionalLang, ...] = field(metadata=element("name"))
    abbreviation: str | None = field(default=None, metadata=element("abbreviation"))
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
    course_catalogue_urls: tuple[HttpWithOptionalLang, ...] = field(
        default=(), metadata=element("course-catalogue-url")
    )
    contacts: tuple[Contact, ...] = field(default=(), metadata=element())
    root_ounit_id: str | None = field(default=None, metadata=element("root-ounit-id"))
    ounit_ids: tuple[str, ...] = field(default=(), metadata=element("ounit-id"))

    class Meta:
        namespace = INSTITUTIONS_NS


@dataclass(frozen=True, kw_only=True, slots=True)
class InstitutionsResponse:
    """The answer of the Institutions API: one entry per requested ``hei_id`` it knows."""

    heis: tuple[Institution, ...] = field(default=(), metadata=element("hei"))

    class Meta:
        name = "institutions-response"
        namespace = INSTITUTIONS_NS
