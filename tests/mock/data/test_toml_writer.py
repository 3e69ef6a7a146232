"""The small TOML writer behind dump_dataset: what it writes, tomllib reads back the same."""

from __future__ import annotations

import tomllib
from datetime import UTC, datetime, timedelta, timezone

import pytest

from ewp_mock.data.toml_writer import TableArray, dumps


@pytest.mark.parametrize(
    "text",
    [
        'quote " and backslash \\',
        "line\nbreak, tab\t, return\r",
        "control \x01 \x1f and delete \x7f",
        "Łódź, Ελληνικά, 日本語, emoji \U0001f393",
        "",
    ],
)
def test_strings_read_back_the_same(text: str) -> None:
    assert tomllib.loads(dumps({"value": text}))["value"] == text


def test_nested_table_arrays_inline_tables_and_scalars_read_back_the_same() -> None:
    cet = timezone(timedelta(hours=1))
    document = {
        "partners": ["a", "b"],
        "hei": TableArray(
            [
                {
                    "id": "x",
                    "flag": True,
                    "count": 3,
                    "names": ["plain", {"text": "t", "lang": "en"}],
                    "when": datetime(2026, 3, 6, 10, 0, tzinfo=cet),
                    "skipped": None,
                    "ounit": TableArray([{"id": "u1", "contact": TableArray([{"n": 1}])}]),
                    "iia": TableArray([{"id": "i1"}]),
                },
                {"id": "y"},
            ]
        ),
    }

    read = tomllib.loads(dumps(document, header=("a comment",)))

    assert read == {
        "partners": ["a", "b"],
        "hei": [
            {
                "id": "x",
                "flag": True,
                "count": 3,
                "names": ["plain", {"text": "t", "lang": "en"}],
                "when": datetime(2026, 3, 6, 9, 0, tzinfo=UTC),
                "ounit": [{"id": "u1", "contact": [{"n": 1}]}],
                "iia": [{"id": "i1"}],
            },
            {"id": "y"},
        ],
    }
    assert dumps(document, header=("a comment",)).startswith("# a comment\n")


def test_a_date_time_without_offset_or_an_unknown_type_is_refused() -> None:
    with pytest.raises(ValueError, match="offset"):
        dumps({"when": datetime(2026, 3, 6)})
    with pytest.raises(TypeError, match="set"):
        dumps({"value": {1, 2}})
