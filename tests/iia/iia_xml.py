"""Small writers of IIAs get responses for the iia-hash tests.

Documents are built as text so that tests control every byte: namespace
prefixes, indentation, CDATA sections and comments.
"""

from __future__ import annotations

from ewp_client.namespaces import CONTACT_NS, IIAS_V6_GET_NS, IIAS_V7_GET_NS

MOBILITY = "student-studies-mobility-spec"
YEARS = (
    "<receiving-first-academic-year-id>2024/2025</receiving-first-academic-year-id>"
    "<receiving-last-academic-year-id>2025/2026</receiving-last-academic-year-id>"
)
PARTNERS = (
    "<partner><hei-id>a.example</hei-id><iia-id>A</iia-id></partner>"
    "<partner><hei-id>b.example</hei-id><iia-id>B</iia-id></partner>"
)


def response(*iias: str, namespaces: str = "", version: int = 7) -> bytes:
    ns = IIAS_V7_GET_NS if version == 7 else IIAS_V6_GET_NS
    return (
        f'<iias-get-response xmlns="{ns}" xmlns:c="{CONTACT_NS}"{namespaces}>'
        + "".join(iias)
        + "</iias-get-response>"
    ).encode()


def iia(
    conditions: str,
    *,
    partners: str = PARTNERS,
    conditions_attributes: str = "",
    iia_attributes: str = "",
    iia_hash: str = "0" * 64,
) -> str:
    return (
        f"<iia{iia_attributes}>{partners}<in-effect>true</in-effect>"
        f"<cooperation-conditions{conditions_attributes}>{conditions}</cooperation-conditions>"
        f"<iia-hash>{iia_hash}</iia-hash></iia>"
    )


def mobility(body: str, *, kind: str = MOBILITY, attributes: str = "") -> str:
    return f"<{kind}{attributes}>{body}</{kind}>"


def simple(body: str = "", **iia_options: str) -> bytes:
    """One IIA with one mobility: a sending HEI, ``body``, then the academic years."""
    return response(
        iia(mobility(f"<sending-hei-id>a.example</sending-hei-id>{body}{YEARS}"), **iia_options)
    )
