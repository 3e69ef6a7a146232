"""Round trips of the message types with no official example, on documents written here.

IIA CNR v3 and IIA Approval CNR v2 responses, IIA Approval v1, IIAs v6 index
and stats, Factsheet v1, and a manifest announcing every API entry this
library models.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from ewp_client.codec import encode
from ewp_client.errors import SchemaValidationError
from ewp_client.models import (
    AccessibilityType,
    CooperationConditions,
    FactsheetResponse,
    Iia,
    IiaApprovalCnrResponse,
    IiaCnrResponse,
    IiaPartner,
    IiasApprovalResponseV1,
    IiasEntry,
    IiasGetResponse,
    IiasIndexResponseV6,
    IiasStatsResponseV6,
    LasEntry,
    Manifest,
    MobilitiesPerYear,
    OunitsEntry,
    StudentStudiesMobilitySpec,
)
from ewp_client.namespaces import (
    CLIAUTH_NONE_NS,
    COMMON_NS,
    DISCOVERY_NS,
    FACTSHEET_ENTRY_NS,
    FACTSHEET_NS,
    IIA_APPROVAL_CNR_ENTRY_NS,
    IIA_APPROVAL_CNR_NS,
    IIA_CNR_ENTRY_NS,
    IIA_CNR_NS,
    IIAS_APPROVAL_V1_NS,
    IIAS_APPROVAL_V2_ENTRY_NS,
    IIAS_V6_INDEX_NS,
    IIAS_V6_STATS_NS,
    IIAS_V7_ENTRY_NS,
    INSTITUTIONS_ENTRY_NS,
    LA_CNR_ENTRY_NS,
    LAS_ENTRY_NS,
    OUNITS_ENTRY_NS,
    PHONE_NS,
    REGISTRY_NS,
    SEC_INTRO_NS,
)
from tests.codec.roundtrip import assert_round_trip

SHA = "ab" * 32


def test_cnr_responses_round_trip_and_are_empty() -> None:
    cnr = assert_round_trip(f'<iia-cnr-response xmlns="{IIA_CNR_NS}"/>'.encode(), IiaCnrResponse)
    approval = assert_round_trip(
        f'<iia-approval-cnr-response xmlns="{IIA_APPROVAL_CNR_NS}"/>'.encode(),
        IiaApprovalCnrResponse,
    )
    assert encode(cnr).endswith(f'<iia-cnr-response xmlns="{IIA_CNR_NS}"/>'.encode())
    assert encode(approval).endswith(b"/>")


def test_approval_v1_round_trips_with_conditions_hash_and_pdf() -> None:
    document = (
        f'<iias-approval-response xmlns="{IIAS_APPROVAL_V1_NS}">'
        f"<approval><iia-id>A-1</iia-id><conditions-hash>{SHA}</conditions-hash>"
        "<pdf>JVBERi0xLjQK</pdf></approval>"
        f"<approval><iia-id>A-2</iia-id><conditions-hash>{SHA}</conditions-hash></approval>"
        "</iias-approval-response>"
    ).encode()
    response = assert_round_trip(document, IiasApprovalResponseV1)
    assert [(a.iia_id, a.pdf) for a in response.approvals] == [
        ("A-1", "JVBERi0xLjQK"),
        ("A-2", None),
    ]


def test_v6_index_and_stats_round_trip() -> None:
    index = assert_round_trip(
        f'<iias-index-response xmlns="{IIAS_V6_INDEX_NS}"><iia-id>x</iia-id>'
        "<iia-id>y</iia-id></iias-index-response>".encode(),
        IiasIndexResponseV6,
    )
    assert index.iia_ids == ("x", "y")
    counters = "".join(
        f"<{name}>{n}</{name}>"
        for n, name in enumerate(
            (
                "iia-fetchable",
                "iia-local-unapproved-partner-approved",
                "iia-local-approved-partner-unapproved",
                "iia-both-approved",
            )
        )
    )
    document = f'<iias-stats-response xmlns="{IIAS_V6_STATS_NS}">{counters}</iias-stats-response>'
    stats = assert_round_trip(
        document.encode(),
        IiasStatsResponseV6,
    )
    assert stats.iia_local_approved_partner_unapproved == 2


def _info(tag: str) -> str:
    return (
        f"<{tag}><email>incoming@uni.example</email>"
        "<p:phone-number><p:e164>+48221234567</p:e164></p:phone-number>"
        f'<website-url xml:lang="en">https://uni.example/{tag}</website-url>'
        f"<website-url>https://uni.example/{tag}/pl</website-url></{tag}>"
    )


FACTSHEET = (
    f'<factsheet-response xmlns="{FACTSHEET_NS}" xmlns:p="{PHONE_NS}"><factsheet>'
    "<hei-id>uni.example</hei-id><calendar>"
    "<student-nominations><autumn-term>--05-15</autumn-term>"
    "<spring-term>--11-15</spring-term></student-nominations>"
    "<student-applications><autumn-term>--06-01</autumn-term>"
    "<spring-term>--12-01</spring-term></student-applications></calendar>"
    + _info("application-info")
    + "<additional-requirement><name>credits</name><details>30 ECTS completed</details>"
    "</additional-requirement>"
    "<decision-weeks-limit>5</decision-weeks-limit><tor-weeks-limit>5</tor-weeks-limit>"
    "<accessibility><type>infrastructure</type><name>lifts</name>"
    + _info("information")
    + "</accessibility>"
    + _info("housing-info")
    + _info("visa-info")
    + _info("insurance-info")
    + "<additional-info><type>culture</type>"
    + _info("info")
    + "</additional-info></factsheet></factsheet-response>"
).encode()


def test_factsheet_round_trips_and_reads_as_written() -> None:
    (sheet,) = assert_round_trip(FACTSHEET, FactsheetResponse).factsheets
    assert sheet.calendar.student_nominations.spring_term == "--11-15"
    assert sheet.application_info.phone_number.e164 == "+48221234567"
    assert [u.lang for u in sheet.housing_info.website_urls] == ["en", None]
    assert sheet.accessibility[0].type is AccessibilityType.INFRASTRUCTURE
    assert sheet.additional_info[0].info.email == "incoming@uni.example"
    assert (sheet.decision_weeks_limit, sheet.tor_weeks_limit) == (5, 5)


def test_factsheet_with_an_unknown_accessibility_type_is_refused() -> None:
    with pytest.raises(SchemaValidationError):
        assert_round_trip(FACTSHEET.replace(b"infrastructure", b"parking"), FactsheetResponse)


def _entry(namespace: str, name: str, body: str) -> str:
    return f'<e:{name} xmlns:e="{namespace}" version="1.0.0">{body}</e:{name}>'


def _secured(namespace: str, name: str, body: str) -> str:
    security = (
        "<e:http-security><sec:client-auth-methods>"
        f'<none:anonymous xmlns:none="{CLIAUTH_NONE_NS}"/>'
        "</sec:client-auth-methods></e:http-security>"
    )
    return _entry(namespace, name, security + body)


URL = "https://h.example/x"
MANIFEST = (
    f'<manifest xmlns="{DISCOVERY_NS}" xmlns:ewp="{COMMON_NS}" xmlns:r="{REGISTRY_NS}" '
    f'xmlns:sec="{SEC_INTRO_NS}"><host><ewp:admin-email>a@h.example</ewp:admin-email>'
    "<ewp:admin-provider>own</ewp:admin-provider><r:apis-implemented>"
    + _secured(
        IIAS_V7_ENTRY_NS,
        "iias",
        f"<e:get-url>{URL}</e:get-url><e:max-iia-ids>3</e:max-iia-ids>"
        f"<e:index-url>{URL}</e:index-url>",
    )
    + _entry(
        IIAS_APPROVAL_V2_ENTRY_NS,
        "iias-approval",
        f"<e:url>{URL}</e:url><e:max-iia-ids>1</e:max-iia-ids>",
    )
    + _entry(IIA_CNR_ENTRY_NS, "iia-cnr", f"<e:url>{URL}</e:url>")
    + _entry(IIA_APPROVAL_CNR_ENTRY_NS, "iia-approval-cnr", f"<e:url>{URL}</e:url>")
    + _entry(
        LAS_ENTRY_NS,
        "omobility-las",
        f"<e:get-url>{URL}</e:get-url><e:index-url>{URL}</e:index-url>"
        f"<e:update-url>{URL}</e:update-url><e:max-omobility-ids>5</e:max-omobility-ids>",
    )
    + _entry(
        LA_CNR_ENTRY_NS,
        "omobility-la-cnr",
        f"<e:url>{URL}</e:url><e:max-omobility-ids>5</e:max-omobility-ids>",
    )
    + _entry(
        INSTITUTIONS_ENTRY_NS,
        "institutions",
        f"<e:url>{URL}</e:url><e:max-hei-ids>1</e:max-hei-ids>",
    )
    + _entry(
        OUNITS_ENTRY_NS,
        "organizational-units",
        f"<e:url>{URL}</e:url><e:max-ounit-ids>9</e:max-ounit-ids>"
        "<e:max-ounit-codes>8</e:max-ounit-codes>",
    )
    + _entry(
        FACTSHEET_ENTRY_NS, "factsheet", f"<e:url>{URL}</e:url><e:max-hei-ids>1</e:max-hei-ids>"
    )
    + "</r:apis-implemented></host></manifest>"
).encode()


def test_manifest_with_every_modelled_entry_round_trips() -> None:
    manifest = assert_round_trip(MANIFEST, Manifest)
    assert manifest.host is not None
    assert manifest.host.apis_implemented is not None
    entries = manifest.host.apis_implemented.entries
    assert len(entries) == 9
    iias, *_, ounits, _ = entries
    assert isinstance(iias, IiasEntry)
    assert (iias.max_iia_ids, iias.stats_url) == (3, None)
    assert iias.http_security is not None
    assert iias.http_security.server_auth_methods is None
    assert isinstance(ounits, OunitsEntry)
    assert ounits.max_ounit_codes == 8
    las = entries[4]
    assert isinstance(las, LasEntry)
    assert las.update_url == URL


def test_encoding_refuses_a_mobility_the_schema_refuses() -> None:
    """Studies need a recommended language skill: the model alone cannot say so."""
    mobility = StudentStudiesMobilitySpec(
        sending_hei_id="a.example",
        receiving_hei_id="b.example",
        receiving_first_academic_year_id="2024/2025",
        receiving_last_academic_year_id="2025/2026",
        mobilities_per_year=MobilitiesPerYear(value="2"),
        blended="false",
        total_months_per_year="5.5",
    )
    assert mobility.months_per_year == Decimal("5.5")
    response = IiasGetResponse(
        iias=(
            Iia(
                partners=(IiaPartner(hei_id="a.example"), IiaPartner(hei_id="b.example")),
                in_effect=False,
                cooperation_conditions=CooperationConditions(student_studies=(mobility,)),
                iia_hash=SHA,
            ),
        )
    )
    with pytest.raises(SchemaValidationError):
        encode(response)
