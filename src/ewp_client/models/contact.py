"""The EWP contact and address types (``ewp-specs-types-contact``, ``ewp-specs-types-address``).

Shared by IIAs (signing and mobility contacts), Institutions and OUnits.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..namespaces import ADDRESS_NS, COMMON_NS, CONTACT_NS, PHONE_NS
from ._meta import element
from .common import Gender, MultilineStringWithOptionalLang, PhoneNumber, StringWithOptionalLang


@dataclass(frozen=True, kw_only=True, slots=True)
class FlexibleAddress:
    """A postal or street address: free ``address_lines`` or the structured fields, not both.

    The schema makes the two forms a choice; :func:`ewp_client.codec.encode`
    refuses a model that mixes them.
    """

    recipient_names: tuple[str, ...] = field(default=(), metadata=element("recipientName"))
    address_lines: tuple[str, ...] = field(default=(), metadata=element("addressLine"))
    building_number: str | None = field(default=None, metadata=element("buildingNumber"))
    building_name: str | None = field(default=None, metadata=element("buildingName"))
    street_name: str | None = field(default=None, metadata=element("streetName"))
    unit: str | None = field(default=None, metadata=element("unit"))
    floor: str | None = field(default=None, metadata=element("floor"))
    post_office_box: str | None = field(default=None, metadata=element("postOfficeBox"))
    delivery_point_codes: tuple[str, ...] = field(default=(), metadata=element("deliveryPointCode"))
    postal_code: str | None = field(default=None, metadata=element("postalCode"))
    locality: str | None = field(default=None, metadata=element("locality"))
    region: str | None = field(default=None, metadata=element("region"))
    country: str | None = field(default=None, metadata=element("country"))

    class Meta:
        namespace = ADDRESS_NS


@dataclass(frozen=True, kw_only=True, slots=True)
class Contact:
    """A person or an office to contact (``c:Contact``); names may come in several languages."""

    contact_names: tuple[StringWithOptionalLang, ...] = field(metadata=element("contact-name"))
    person_given_names: tuple[StringWithOptionalLang, ...] = field(
        default=(), metadata=element("person-given-names")
    )
    person_family_names: tuple[StringWithOptionalLang, ...] = field(
        default=(), metadata=element("person-family-name")
    )
    person_gender: Gender | None = field(default=None, metadata=element("person-gender"))
    phone_numbers: tuple[PhoneNumber, ...] = field(
        default=(), metadata=element("phone-number", namespace=PHONE_NS)
    )
    fax_numbers: tuple[PhoneNumber, ...] = field(
        default=(), metadata=element("fax-number", namespace=PHONE_NS)
    )
    emails: tuple[str, ...] = field(default=(), metadata=element("email"))
    street_address: FlexibleAddress | None = field(
        default=None, metadata=element("street-address", namespace=ADDRESS_NS)
    )
    mailing_address: FlexibleAddress | None = field(
        default=None, metadata=element("mailing-address", namespace=ADDRESS_NS)
    )
    role_descriptions: tuple[MultilineStringWithOptionalLang, ...] = field(
        default=(), metadata=element("role-description")
    )

    class Meta:
        name = "contact"
        namespace = CONTACT_NS


@dataclass(frozen=True, kw_only=True, slots=True)
class HttpWithOptionalLang(StringWithOptionalLang):
    """A web address (``http`` or ``https``) with an optional ``xml:lang``."""

    class Meta:
        namespace = COMMON_NS
