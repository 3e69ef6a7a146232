"""The namespace table: each fact spelled once, in ``namespaces.py``, true to the official files.

Two kinds of checks. Spelling: no module of ``src/`` other than ``namespaces.py``
writes a namespace URI, a ``stable-vN`` branch or an API version as a string
literal, and ``namespaces.py`` writes each release's version exactly once.
Truth: each namespace is the ``targetNamespace`` of the official file its row
names, and each version is the one of the reference pack's folder.
"""

from __future__ import annotations

import ast
import re
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from lxml import etree

from ewp_client import namespaces
from ewp_client.namespaces import (
    PERSON_ID_NS,
    RELEASES,
    SCHEMA_BY_NAMESPACE,
    SCHEMAS,
    SUPPORT_NS,
    XML_NS,
    XSD_NS,
    XSI_NS,
    ApiVersion,
)
from tests.conformance import reference

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src"
TABLE_MODULE = SRC / "ewp_client" / "namespaces.py"

NAMESPACE_URIS = frozenset({*SCHEMA_BY_NAMESPACE, PERSON_ID_NS, XML_NS, XSD_NS, XSI_NS, SUPPORT_NS})
VERSIONS = frozenset(r.version for r in RELEASES)
#: Fragments that spell an EWP namespace or branch even when the rest is computed.
FRAGMENTS = (
    "github.com/erasmus-without-paper",
    "raw.githubusercontent.com/erasmus-without-paper",
    "stable-v",
)
_VERSION_RE = re.compile(
    r"(?<![\w.])(?:" + "|".join(re.escape(v) for v in sorted(VERSIONS)) + r")(?![\w.])"
)


def _documentation(tree: ast.AST) -> set[int]:
    """``id``s of string constants that are documentation: docstrings and ``#:``-style notes."""
    return {
        id(node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Expr)
        and isinstance(node.value, ast.Constant)
        and isinstance(node.value.value, str)
    }


def string_literals(source: str) -> Iterator[tuple[int, str]]:
    """``(line, text)`` of every string literal of ``source`` that is not documentation.

    The literal parts of f-strings count; comments and docstrings do not.
    """
    tree = ast.parse(source)
    docs = _documentation(tree)
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docs:
            yield node.lineno, node.value


def spellings(source: str) -> list[tuple[int, str]]:
    """Literals of ``source`` that spell a namespace URI, an EWP branch or an API version."""
    found = []
    for line, text in string_literals(source):
        if (
            any(uri in text for uri in NAMESPACE_URIS)
            or any(fragment in text for fragment in FRAGMENTS)
            or _VERSION_RE.search(text)
        ):
            found.append((line, text))
    return found


def test_the_scanner_finds_spellings_and_ignores_documentation() -> None:
    source = (
        '"""Module doc: stable-v7 and 7.0.0 are fine here."""\n'
        'A = "https://github.com/erasmus-without-paper/ewp-specs-api-echo/tree/stable-v2"\n'
        "B = f'{A}/blob/stable-v{3}/x.xsd'\n"
        'C = ("iias", "7.0.0")\n'
        'D = "17.0.01"\n'
        "def f() -> None:\n"
        '    """7.0.0 in a docstring."""\n'
        '    return g("http://www.w3.org/2001/XMLSchema-instance")\n'
        "# 7.0.0 in a comment\n"
    )
    assert [line for line, _ in spellings(source)] == [2, 3, 4, 8]


def test_namespaces_and_versions_are_spelled_only_in_namespaces_py() -> None:
    tried, offenders = 0, []
    for path in sorted(SRC.rglob("*.py")):
        if path == TABLE_MODULE:
            continue
        tried += 1
        rel = path.relative_to(ROOT)
        offenders += [f"{rel}:{line}: {text!r}" for line, text in spellings(path.read_text())]
    assert tried > 50  # the scan saw the package, not an empty folder
    assert offenders == []


def test_namespaces_py_spells_each_release_version_once() -> None:
    source = TABLE_MODULE.read_text()
    literals = [text for _line, text in string_literals(source)]
    written = Counter(text for text in literals if _VERSION_RE.fullmatch(text))
    assert written == Counter(r.version for r in RELEASES)
    # The URL forms are written once each, in the helpers everything derives from.
    for fragment in ("https://github.com/erasmus-without-paper/", "stable-v"):
        assert sum(fragment in text for text in literals) == 1, fragment


def test_every_release_is_one_branch_of_one_repository() -> None:
    branches = Counter((r.repo, r.branch) for r in RELEASES)
    assert [b for b, n in branches.items() if n > 1] == []
    assert len({s.key for s in SCHEMAS}) == len(SCHEMAS)
    assert len({s.file for s in SCHEMAS}) == len(SCHEMAS)
    assert len(SCHEMA_BY_NAMESPACE) == len(SCHEMAS)


def test_a_bundled_file_named_for_a_major_version_agrees_with_the_release() -> None:
    """``iias/v7/…`` and ``academic-term-v2.xsd`` repeat a major: it must be the release's."""
    unmarked, disagreeing = [], []
    for info in SCHEMAS:
        m = re.search(r"(?:/v|-v)(\d+)(?:/|\.xsd$)", info.file)
        if m is None:
            unmarked.append(info.file)
        elif info.release is None or int(m[1]) != info.release.major:
            disagreeing.append(info.file)
    assert disagreeing == []
    assert unmarked == [
        "w3c/xml.xsd",
        "architecture/common-types.xsd",
        "types/contact.xsd",
        "types/address.xsd",
        "types/phonenumber.xsd",
        "security/sec-intro.xsd",
        "security/cliauth-httpsig.xsd",
        "security/cliauth-none.xsd",
        "security/srvauth-httpsig.xsd",
        "security/srvauth-tlscert.xsd",
        "courses/response.xsd",
        "courses/manifest-entry.xsd",
    ]


def test_api_versions_are_the_releases_marked_with_an_api() -> None:
    constants = [value for value in vars(namespaces).values() if isinstance(value, ApiVersion)]
    spoken = {r.api: r.version for r in RELEASES if r.api is not None}
    assert {v.name: v.version for v in constants} == spoken
    assert len(constants) == len(spoken)


_GH = "https://github.com/erasmus-without-paper/"


@pytest.mark.parametrize(
    ("constant", "expected"),
    [
        (namespaces.ECHO_NS, f"{_GH}ewp-specs-api-echo/tree/stable-v2"),
        (namespaces.ECHO_ENTRY_NS, f"{_GH}ewp-specs-api-echo/blob/stable-v2/manifest-entry.xsd"),
        (
            namespaces.IIAS_V7_GET_NS,
            f"{_GH}ewp-specs-api-iias/blob/stable-v7/endpoints/get-response.xsd",
        ),
        (
            namespaces.LA_CNR_STATS_NS,
            f"{_GH}ewp-specs-api-omobility-la-cnr/tree/stable-v1/endpoints/stats-response.xsd",
        ),
        (namespaces.COURSES_NS, f"{_GH}ewp-specs-api-courses/tree/stable-v1"),
        (namespaces.PERSON_ID_NS, f"{_GH}ewp-specs-types-person-id/tree/stable-v1"),
        (namespaces.COMMON_NS, f"{_GH}ewp-specs-architecture/blob/stable-v1/common-types.xsd"),
    ],
)
def test_each_namespace_form_reads_as_the_spec_writes_it(constant: str, expected: str) -> None:
    assert constant == expected


def test_official_url_is_the_raw_address_official_schemas_import_by() -> None:
    info = SCHEMA_BY_NAMESPACE[namespaces.IIAS_V7_GET_NS]
    assert info.official_url == (
        "https://raw.githubusercontent.com/erasmus-without-paper/"
        "ewp-specs-api-iias/stable-v7/endpoints/get-response.xsd"
    )
    assert (info.official_repo, info.official_branch, info.official_version) == (
        "ewp-specs-api-iias",
        "stable-v7",
        namespaces.IIAS_API.version,
    )
    xml = SCHEMA_BY_NAMESPACE[XML_NS]
    assert (xml.release, xml.official_url, xml.official_repo) == (None, "", "")


@pytest.mark.skipif(not reference.available(), reason=reference.MISSING_REASON)
def test_every_namespace_is_the_target_namespace_of_the_official_file() -> None:
    tried, agreeing, wrong = 0, 0, []
    for info in SCHEMAS:
        if info.release is None:
            continue
        tried += 1
        official = reference.official_file(info)
        target = etree.parse(str(official)).getroot().get("targetNamespace")
        if target == info.namespace:
            agreeing += 1
        else:
            wrong.append(f"{info.key}: ours {info.namespace}, official {target}")
    assert wrong == []
    assert (agreeing, tried) == (len(SCHEMAS) - 1, len(SCHEMAS) - 1)


@pytest.mark.skipif(not reference.available(), reason=reference.MISSING_REASON)
def test_person_id_namespace_is_the_official_one() -> None:
    (release,) = (r for r in RELEASES if r.repo == "ewp-specs-types-person-id")
    folder = reference.OFFICIAL_SCHEMAS / f"{release.repo}-v{release.version}"
    target = etree.parse(str(folder / "schema.xsd")).getroot().get("targetNamespace")
    assert target == PERSON_ID_NS


@pytest.mark.skipif(not reference.available(), reason=reference.MISSING_REASON)
def test_every_release_version_is_the_reference_pack_folder() -> None:
    """The pack keeps one folder per release, ``<repo>-v<version>``."""
    folders = {p.name for p in reference.OFFICIAL_SCHEMAS.iterdir() if p.is_dir()}
    ours = {f"{r.repo}-v{r.version}" for r in RELEASES}
    assert sorted(ours - folders) == []
    assert sorted(folders - ours) == []
