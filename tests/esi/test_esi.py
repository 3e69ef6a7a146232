"""European Student Identifier check of ``global-id`` values."""

from __future__ import annotations

import pytest

from ewp_client.esi import ESI_PREFIX, EsiProblemKind, EsiScope, check_esi, is_esi

K = EsiProblemKind


@pytest.mark.parametrize(
    ("value", "scope", "issuer", "code"),
    [
        (f"{ESI_PREFIX}at:01234567", EsiScope.COUNTRY, "at", "01234567"),
        (f"{ESI_PREFIX}es-an:X12", EsiScope.REGION, "es-an", "X12"),
        (f"{ESI_PREFIX}uni.example.org:s-123", EsiScope.INSTITUTION, "uni.example.org", "s-123"),
        (f"{ESI_PREFIX}fac.uni.example:a:b", EsiScope.INSTITUTION, "fac.uni.example", "a:b"),
        (
            f"{ESI_PREFIX}se:9e342e78-5b6c-4902-966e-50e28a21e601",
            EsiScope.COUNTRY,
            "se",
            "9e342e78-5b6c-4902-966e-50e28a21e601",
        ),
        (f"{ESI_PREFIX}pl:()+,-.:=@;$_!*'%2F", EsiScope.COUNTRY, "pl", "()+,-.:=@;$_!*'%2F"),
    ],
)
def test_valid_esi_forms(value: str, scope: EsiScope, issuer: str, code: str) -> None:
    check = check_esi(value)
    assert check.valid
    assert is_esi(value)
    assert check.problems == ()
    assert (check.scope, check.issuer, check.code) == (scope, issuer, code)
    assert check.canonical == value


def test_prefix_and_issuer_case_are_warnings_with_a_canonical_spelling() -> None:
    check = check_esi("URN:SCHAC:PersonalUniqueCode:INT:ESI:AT:01234567")
    assert check.valid
    assert [p.kind for p in check.warnings] == [K.PREFIX_CASE, K.ISSUER_CASE]
    assert check.errors == ()
    assert check.canonical == f"{ESI_PREFIX}at:01234567"


def test_unknown_country_code_is_a_warning() -> None:
    check = check_esi(f"{ESI_PREFIX}xx:1")
    assert check.valid
    assert [p.kind for p in check.warnings] == [K.UNKNOWN_COUNTRY]
    assert [p.kind for p in check_esi(f"{ESI_PREFIX}qq-12:1").warnings] == [K.UNKNOWN_COUNTRY]


@pytest.mark.parametrize(
    ("value", "kinds"),
    [
        ("12345678", [K.NOT_ESI]),
        ("", [K.NOT_ESI]),
        ("urn:schac:personalUniqueCode:es:ESI:uma.es:123", [K.OTHER_SCHAC_CODE]),
        (f" {ESI_PREFIX}at:1", [K.WHITESPACE]),
        (f"{ESI_PREFIX}at:1\n", [K.WHITESPACE]),
        (ESI_PREFIX, [K.MISSING_ISSUER, K.MISSING_CODE]),
        (f"{ESI_PREFIX}at", [K.MISSING_CODE]),
        (f"{ESI_PREFIX}at:", [K.MISSING_CODE]),
        (f"{ESI_PREFIX}:123", [K.MISSING_ISSUER]),
        (f"{ESI_PREFIX}austria:1", [K.BAD_ISSUER]),
        (f"{ESI_PREFIX}-bad-.example:1", [K.BAD_ISSUER]),
        (f"{ESI_PREFIX}uni..example:1", [K.BAD_ISSUER]),
        (f"{ESI_PREFIX}at:a/b", [K.BAD_CODE_CHARACTERS]),
        (f"{ESI_PREFIX}at:a b", [K.BAD_CODE_CHARACTERS]),
        (f"{ESI_PREFIX}at:ü", [K.BAD_CODE_CHARACTERS]),
        (f"{ESI_PREFIX}at:%2", [K.BAD_CODE_CHARACTERS]),
        (f"{ESI_PREFIX}at:%00", [K.BAD_CODE_CHARACTERS]),
        (f"{ESI_PREFIX}at:" + "1" * 300, [K.TOO_LONG]),
    ],
)
def test_invalid_values_name_what_is_wrong(value: str, kinds: list[EsiProblemKind]) -> None:
    check = check_esi(value)
    assert not check.valid
    assert not is_esi(value)
    assert [p.kind for p in check.errors] == kinds
    assert check.canonical is None
    assert all(p.message for p in check.problems)


def test_problem_messages_quote_the_offending_part() -> None:
    (problem,) = check_esi(f"{ESI_PREFIX}at:a/b").errors
    assert "'a/b'" in problem.message
