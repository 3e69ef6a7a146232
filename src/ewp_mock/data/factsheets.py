"""The factsheet a node serves for a HEI its data gives none.

A node announces the Factsheet API in every HEI's manifest, and a partner (the
official validator among them) expects an answer for each HEI a manifest
covers. A HEI without a factsheet of its own (a node started without
``--data``, or a fixture directory without ``factsheets/``) is served
:func:`bare_factsheet`: every element the schema requires, pointing at the
HEI's own domain, with nothing invented beyond that.
"""

from __future__ import annotations

import re
from typing import Final

from ewp_client.models import (
    CalendarEntry,
    Factsheet,
    FactsheetCalendar,
    HttpWithOptionalLang,
    InformationEntry,
    PhoneNumber,
)

__all__ = ["bare_factsheet"]

_DOMAIN: Final = re.compile(r"[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")


def bare_factsheet(hei_id: str) -> Factsheet:
    """A schema-valid factsheet for ``hei_id``: its domain's pages and mailbox, usual deadlines.

    The addresses are under ``hei_id`` when it is a domain name (SCHAC ids
    are), else under ``example.org``. There is no phone line to give, so the
    phone number says so in ``other-format``.
    """
    domain = hei_id if _DOMAIN.fullmatch(hei_id) else "example.org"

    def info(page: str) -> InformationEntry:
        return InformationEntry(
            email=f"incoming@{domain}",
            phone_number=PhoneNumber(other_format="none published"),
            website_urls=(HttpWithOptionalLang(value=f"https://{domain}/{page}", lang="en"),),
        )

    return Factsheet(
        hei_id=hei_id,
        calendar=FactsheetCalendar(
            student_nominations=CalendarEntry(autumn_term="--05-15", spring_term="--10-15"),
            student_applications=CalendarEntry(autumn_term="--06-01", spring_term="--11-01"),
        ),
        application_info=info("incoming"),
        decision_weeks_limit=5,
        tor_weeks_limit=5,
        housing_info=info("incoming/housing"),
        visa_info=info("incoming/visa"),
        insurance_info=info("incoming/insurance"),
    )
