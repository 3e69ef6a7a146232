"""The registry names every row of the known-issues catalogue, and each class names its row."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import ewp_client
from ewp_client import errors
from ewp_client.errors import EwpError, EwpWarning
from ewp_client.known_issues import KNOWN_ISSUES, known_issue_of

#: The catalogue's table 1 lines: ``| `row-id` | ...``.
_ROW: re.Pattern[str] = re.compile(r"^\| `([a-z0-9-]+)` \|", re.M)


def catalogue_ids(text: str) -> list[str]:
    """The row ids of the catalogue's first table (section 1), in order."""
    section = text.split("\n## 1.", 1)[-1].split("\n## 2.", 1)[0]
    return _ROW.findall(section)


def test_every_catalogue_row_has_an_entry(reference_pack: Path) -> None:
    catalogue = reference_pack / "known-issues.md"
    if not catalogue.is_file():
        pytest.skip(f"no known-issues.md in {reference_pack}")
    ids = catalogue_ids(catalogue.read_text(encoding="utf-8"))
    assert len(ids) >= 24
    assert sorted(set(ids) - set(KNOWN_ISSUES)) == []
    assert sorted(set(KNOWN_ISSUES) - set(ids)) == []


def test_every_reporting_class_carries_its_row_id() -> None:
    wrong = [
        (issue.id, cls.__name__)
        for issue in KNOWN_ISSUES.values()
        for cls in issue.reported_by
        if cls.known_issue != issue.id
    ]
    assert wrong == []
    assert all(
        known_issue_of(cls) is issue for issue in KNOWN_ISSUES.values() for cls in issue.reported_by
    )


def test_every_class_naming_a_row_is_listed_under_it() -> None:
    listed = {cls for issue in KNOWN_ISSUES.values() for cls in issue.reported_by}
    naming = {
        obj
        for obj in vars(errors).values()
        if isinstance(obj, type)
        and issubclass(obj, EwpError | EwpWarning)
        and obj.__dict__.get("known_issue") is not None
    }
    assert sorted(c.__name__ for c in naming - listed) == []


def test_errors_raise_and_warnings_warn() -> None:
    for issue in KNOWN_ISSUES.values():
        main = issue.reported_by[0]
        assert issue.raises == issubclass(main, EwpError), issue.id
        assert issubclass(main, EwpError) != issubclass(main, EwpWarning), issue.id
    assert issubclass(EwpWarning, UserWarning)
    assert EwpError.known_issue is None
    assert EwpWarning.known_issue is None


def test_the_classes_are_exported_from_the_package() -> None:
    names = {cls.__name__ for issue in KNOWN_ISSUES.values() for cls in issue.reported_by}
    assert sorted(n for n in names if getattr(ewp_client, n, None) is None) == []


def test_the_catalogue_parser_reads_a_table_row() -> None:
    text = "# t\n## 1. Catalogue\n| id | x |\n|---|---|\n| `a-b` | y |\n## 2. Other\n| `c` | z |\n"
    assert catalogue_ids(text) == ["a-b"]
