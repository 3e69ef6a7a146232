"""Fixture directories: the demo data written and read back, and every bad file refused by name."""

from __future__ import annotations

import dataclasses
import re
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from ewp_client.errors import ConfigError, FixtureError
from ewp_client.iia import served_hash
from ewp_client.models import FlexibleAddress
from ewp_mock.data import (
    DATASET_FILE,
    FACTSHEETS_DIR,
    UNI_A,
    UNI_B,
    Dataset,
    demo_dataset,
    dump_dataset,
    load_dataset,
)

DOCS = Path(__file__).resolve().parents[3] / "docs" / "mock-data.md"

IIA_2 = Path("iias") / UNI_A / "a-iia-2.xml"
IIA_6 = Path("iias") / UNI_A / "a-iia-6.xml"
SNAPSHOT_6 = Path("iias-approved") / UNI_A / "a-iia-6.xml"
LA_REJECTED = Path("las") / UNI_A / "la-rejected.xml"
FACTSHEET_A = Path(FACTSHEETS_DIR) / f"{UNI_A}.xml"
FACTSHEET_B = Path(FACTSHEETS_DIR) / f"{UNI_B}.xml"


@pytest.fixture(scope="module")
def demo() -> Dataset:
    return demo_dataset()


@pytest.fixture
def fixture_dir(tmp_path: Path, demo: Dataset) -> Path:
    """The demo data dumped into a fresh directory, ready to be broken one file at a time."""
    target = tmp_path / "data"
    dump_dataset(demo, target)
    return target


def _edit(path: Path, change: Callable[[str], str]) -> None:
    before = path.read_text("utf-8")
    after = change(before)
    assert after != before, "the edit must change the file"
    path.write_text(after, "utf-8")


def _refused(directory: Path) -> FixtureError:
    with pytest.raises(FixtureError) as caught:
        load_dataset(directory)
    assert isinstance(caught.value, ConfigError)
    return caught.value


# -------------------------------------------------------------------- round trip


def test_the_demo_data_dumped_and_loaded_is_equal(fixture_dir: Path, demo: Dataset) -> None:
    assert load_dataset(fixture_dir) == demo


def test_dumping_what_was_loaded_writes_the_same_bytes(fixture_dir: Path, tmp_path: Path) -> None:
    again = tmp_path / "again"
    written = dump_dataset(load_dataset(fixture_dir), again)

    names = sorted(str(p.relative_to(again)) for p in written)
    files = (p for p in fixture_dir.rglob("*") if p.is_file())
    assert names == sorted(str(p.relative_to(fixture_dir)) for p in files)
    assert all((fixture_dir / n).read_bytes() == (again / n).read_bytes() for n in names)
    assert f"iias/{UNI_A}/a-iia-1.xml" in names
    assert f"iias-approved/{UNI_A}/a-iia-5.xml" in names
    assert f"las/{UNI_B}/la-b-approved.xml" in names
    assert {f"factsheets/{UNI_A}.xml", f"factsheets/{UNI_B}.xml"} <= set(names)


def test_dump_refuses_a_directory_holding_a_data_set_and_leaves_it(fixture_dir: Path) -> None:
    toml = fixture_dir / DATASET_FILE
    toml.write_text("# mine\n", "utf-8")

    with pytest.raises(FixtureError) as caught:
        dump_dataset(demo_dataset(), fixture_dir)

    assert (caught.value.problem, caught.value.path) == ("unwritable", str(toml))
    assert toml.read_text("utf-8") == "# mine\n"


def test_dump_with_overwrite_leaves_no_file_of_the_data_set_before(
    fixture_dir: Path, demo: Dataset
) -> None:
    stale = fixture_dir / "iias" / "old" / "gone.xml"
    stale.parent.mkdir()
    shutil.copy(fixture_dir / IIA_2, stale)
    notes = fixture_dir / "notes.txt"
    notes.write_text("kept", "utf-8")

    dump_dataset(demo, fixture_dir, overwrite=True)

    assert not stale.exists()
    assert notes.read_text("utf-8") == "kept"
    assert load_dataset(fixture_dir) == demo


def test_dump_refuses_data_the_toml_file_cannot_express_and_writes_nothing(
    tmp_path: Path, demo: Dataset
) -> None:
    hei = demo.heis[UNI_A]
    address = FlexibleAddress(address_lines=("Main square 1",), country="BE")
    moved = dataclasses.replace(
        hei, institution=dataclasses.replace(hei.institution, street_address=address)
    )

    with pytest.raises(FixtureError) as caught:
        dump_dataset(demo.with_hei(moved), tmp_path / "out")

    assert caught.value.problem == "unsupported"
    assert UNI_A in str(caught.value)
    assert not (tmp_path / "out").exists()


def test_an_iia_edited_without_its_hash_is_served_with_the_hash_computed(
    fixture_dir: Path,
) -> None:
    path = fixture_dir / IIA_2
    declared = re.search(r"<iia-hash>(\w+)</iia-hash>", path.read_text("utf-8"))
    assert declared is not None
    _edit(path, lambda t: t.replace("<total-months-per-year>15<", "<total-months-per-year>10<"))

    state = load_dataset(fixture_dir).heis[UNI_A].iias.served["a-iia-2"]

    assert state.iia_hash == served_hash(state.iia) == state.iia.iia_hash
    assert state.iia_hash != declared.group(1)


def test_the_documented_example_loads(tmp_path: Path) -> None:
    blocks = re.findall(r"```toml\n(.*?)```", DOCS.read_text("utf-8"), flags=re.DOTALL)
    assert blocks, f"{DOCS} has no TOML example"
    (tmp_path / DATASET_FILE).write_text(blocks[0], "utf-8")

    data = load_dataset(tmp_path)

    assert data.hei_ids == ("uni-c.example.org",)
    assert data.partners == {"uni-a.example.org"}
    hei = data.heis["uni-c.example.org"]
    assert [u.ounit_id for u in hei.ounits] == ["c-root", "c-law"]
    assert hei.institution.ounit_ids == ("c-root", "c-law")
    assert hei.ounits[1].contacts[0].emails == ("lea.martin@uni-c.example.org",)


# ------------------------------------------------------------------- bad files


def test_a_missing_directory_or_toml_file_is_unreadable(tmp_path: Path) -> None:
    error = _refused(tmp_path / "nowhere")
    assert (error.problem, error.path) == ("unreadable", str(tmp_path / "nowhere"))

    error = _refused(tmp_path)
    assert (error.problem, error.path) == ("unreadable", str(tmp_path / DATASET_FILE))
    assert "cannot read" in str(error)


def test_an_xml_file_that_cannot_be_read_is_unreadable(fixture_dir: Path) -> None:
    broken = fixture_dir / "las" / "broken.xml"
    broken.symlink_to(fixture_dir / "missing.xml")

    error = _refused(fixture_dir)

    assert (error.problem, error.path) == ("unreadable", str(broken))


def test_toml_that_is_not_toml_is_malformed_with_its_line(fixture_dir: Path) -> None:
    _edit(fixture_dir / DATASET_FILE, lambda t: t.replace('abbreviation = "UA"', "abbreviation ="))

    error = _refused(fixture_dir)

    assert (error.problem, error.path) == ("malformed", str(fixture_dir / DATASET_FILE))
    assert error.line == 7
    assert str(error).startswith(f"{fixture_dir / DATASET_FILE}:7: not valid TOML: ")


def test_xml_that_is_not_well_formed_is_malformed_with_its_line(fixture_dir: Path) -> None:
    _edit(fixture_dir / IIA_2, lambda t: t.replace("</in-effect>", "</in-efect>"))

    error = _refused(fixture_dir)

    assert (error.problem, error.path, error.line) == ("malformed", str(fixture_dir / IIA_2), 13)


def test_a_doctype_is_refused_as_malformed(fixture_dir: Path) -> None:
    _edit(
        fixture_dir / IIA_2,
        lambda t: t.replace("?>\n", '?>\n<!DOCTYPE x [<!ENTITY e "x">]>\n', 1),
    )

    error = _refused(fixture_dir)

    assert (error.problem, error.path) == ("malformed", str(fixture_dir / IIA_2))
    assert "DOCTYPE" in str(error)


def test_a_schema_invalid_file_names_the_first_violation_and_its_line(fixture_dir: Path) -> None:
    _edit(fixture_dir / IIA_2, lambda t: t.replace("<in-effect>true</in-effect>", ""))

    error = _refused(fixture_dir)

    assert (error.problem, error.path) == ("schema-invalid", str(fixture_dir / IIA_2))
    assert error.line == 14
    assert "cooperation-conditions" in str(error)
    assert str(error).startswith(f"{fixture_dir / IIA_2}:14: ")


def test_a_document_of_another_type_is_the_wrong_document(fixture_dir: Path) -> None:
    misplaced = fixture_dir / "iias" / "an-la.xml"
    shutil.copy(fixture_dir / LA_REJECTED, misplaced)

    error = _refused(fixture_dir)

    assert (error.problem, error.path) == ("wrong-document", str(misplaced))
    assert "omobility-las-get-response" in str(error)


def test_an_iia_served_by_a_hei_the_data_does_not_serve_names_the_hei(fixture_dir: Path) -> None:
    _edit(
        fixture_dir / IIA_2,
        lambda t: t.replace(f"<hei-id>{UNI_A}</hei-id>", "<hei-id>uni-x.example.org</hei-id>", 1),
    )

    error = _refused(fixture_dir)

    assert (error.problem, error.path) == ("unknown-hei", str(fixture_dir / IIA_2))
    assert "'uni-x.example.org'" in str(error)


def test_an_la_received_by_an_unknown_hei_is_refused_unless_named_a_partner(
    fixture_dir: Path,
) -> None:
    _edit(
        fixture_dir / LA_REJECTED,
        lambda t: t.replace(f"<hei-id>{UNI_B}</hei-id>", "<hei-id>uni-x.example.org</hei-id>"),
    )
    _edit(fixture_dir / LA_REJECTED, lambda t: t.replace("<ounit-id>b-eng</ounit-id>", ""))

    error = _refused(fixture_dir)
    assert (error.problem, error.path) == ("unknown-hei", str(fixture_dir / LA_REJECTED))

    _edit(fixture_dir / DATASET_FILE, lambda t: 'partners = ["uni-x.example.org"]\n' + t)
    data = load_dataset(fixture_dir)
    assert data.partners == {"uni-x.example.org"}
    assert data.knows("uni-x.example.org")


def test_an_la_naming_a_unit_its_hei_does_not_have_is_refused(fixture_dir: Path) -> None:
    _edit(
        fixture_dir / LA_REJECTED,
        lambda t: t.replace("<ounit-id>a-sci</ounit-id>", "<ounit-id>a-law</ounit-id>"),
    )

    error = _refused(fixture_dir)

    assert (error.problem, error.path) == ("unknown-ounit", str(fixture_dir / LA_REJECTED))
    assert "'a-law'" in str(error)


def test_the_same_iia_in_two_files_is_a_duplicate_naming_both(fixture_dir: Path) -> None:
    copy = fixture_dir / "iias" / "zz-copy.xml"
    shutil.copy(fixture_dir / IIA_2, copy)

    error = _refused(fixture_dir)

    assert (error.problem, error.path) == ("duplicate-id", str(copy))
    assert str(fixture_dir / IIA_2) in str(error)


def test_a_unit_given_twice_is_a_duplicate(fixture_dir: Path) -> None:
    _edit(fixture_dir / DATASET_FILE, lambda t: t.replace('id = "a-art"', 'id = "a-sci"'))

    error = _refused(fixture_dir)

    assert (error.problem, error.path) == ("duplicate-id", str(fixture_dir / DATASET_FILE))
    assert "'a-sci'" in str(error)


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ('abbreviation = "UA"', 'abbreviaton = "UA"', "unknown key(s) 'abbreviaton'"),
        ('abbreviation = "UA"', "abbreviation = 3", "'abbreviation' must be a string"),
        ('code = "SCI"', 'code = ""', "'code' is required"),
        ('partner-approved-hash = "', 'partner-approved-hash = "F', "lower-case hex"),
        ('"+3220000101"', '"00 32 2"', "units would not be schema-valid"),
        (
            'emails = ["iro@uni-a',
            'emails = ["iro-at-uni-a',
            "institution would not be schema-valid",
        ),
    ],
)
def test_a_key_or_value_the_format_does_not_allow_is_an_invalid_value(
    fixture_dir: Path, old: str, new: str, expected: str
) -> None:
    _edit(fixture_dir / DATASET_FILE, lambda t: t.replace(old, new, 1))

    error = _refused(fixture_dir)

    assert (error.problem, error.path) == ("invalid-value", str(fixture_dir / DATASET_FILE))
    assert expected in str(error)


def test_a_comment_on_a_proposal_that_is_not_current_is_refused(fixture_dir: Path) -> None:
    _edit(
        fixture_dir / DATASET_FILE,
        lambda t: re.sub(r'proposal-id = "\w+"', 'proposal-id = "old-proposal"', t, count=1),
    )

    error = _refused(fixture_dir)

    assert error.problem == "invalid-value"
    assert "'old-proposal'" in str(error)


def test_state_for_an_iia_no_file_holds_is_an_unknown_id(fixture_dir: Path) -> None:
    _edit(fixture_dir / DATASET_FILE, lambda t: t.replace('id = "a-iia-3"', 'id = "a-iia-9"'))

    error = _refused(fixture_dir)

    assert (error.problem, error.path) == ("unknown-id", str(fixture_dir / DATASET_FILE))
    assert "'a-iia-9'" in str(error)


def test_an_iia_terminated_as_a_whole_without_an_approval_is_refused(fixture_dir: Path) -> None:
    # a-iia-6 without its state: a new IIA cannot be terminated as a whole
    _edit(fixture_dir / DATASET_FILE, lambda t: t.replace('id = "a-iia-6"', 'id = "a-iia-2"'))
    (fixture_dir / SNAPSHOT_6).unlink()

    error = _refused(fixture_dir)

    assert error.problem == "invalid-value"
    assert "'a-iia-6' is terminated as a whole" in str(error)


def test_an_approval_of_an_unknown_hei_is_refused(fixture_dir: Path) -> None:
    _edit(
        fixture_dir / DATASET_FILE,
        lambda t: t.replace(f'partner-hei = "{UNI_B}"', 'partner-hei = "uni-x.example.org"', 1),
    )

    error = _refused(fixture_dir)

    assert (error.problem, error.path) == ("unknown-hei", str(fixture_dir / DATASET_FILE))


def test_toml_that_is_not_utf8_is_malformed(fixture_dir: Path) -> None:
    toml = fixture_dir / DATASET_FILE
    toml.write_bytes(
        toml.read_bytes().replace(b"University A", "Universit\u00e9 A".encode("latin-1"))
    )

    error = _refused(fixture_dir)

    assert (error.problem, error.path) == ("malformed", str(toml))
    assert "UTF-8" in str(error)


@pytest.mark.parametrize("hei_id", [UNI_A, UNI_B])
def test_one_hei_of_the_demo_with_its_copies_dumped_and_loaded_is_equal(
    tmp_path: Path, demo: Dataset, hei_id: str
) -> None:
    alone = demo.only([hei_id])

    written = dump_dataset(alone, tmp_path)

    assert load_dataset(tmp_path) == alone
    received = [p for p in written if "received" in p.parts]
    assert received
    assert all(p.parent.name == hei_id for p in received)


def test_a_copy_kept_by_a_hei_not_served_is_refused(tmp_path: Path, demo: Dataset) -> None:
    dump_dataset(demo.only([UNI_B]), tmp_path)
    copy = tmp_path / "received" / "las" / UNI_B / f"{UNI_A}_la-approved.xml"
    _edit(
        copy,
        lambda t: t.replace(f"<hei-id>{UNI_B}</hei-id>", "<hei-id>uni-x.example.org</hei-id>"),
    )

    error = _refused(tmp_path)

    assert (error.problem, error.path) == ("unknown-hei", str(copy))
    assert "receiving HEI 'uni-x.example.org'" in str(error)


def test_a_comment_on_a_received_la_no_file_holds_is_an_unknown_id(
    tmp_path: Path, demo: Dataset
) -> None:
    dump_dataset(demo.only([UNI_B]), tmp_path)
    (tmp_path / "received" / "las" / UNI_B / f"{UNI_A}_la-rejected.xml").unlink()

    error = _refused(tmp_path)

    assert (error.problem, error.path) == ("unknown-id", str(tmp_path / DATASET_FILE))
    assert "'la-rejected'" in str(error)


def test_both_approvals_of_the_version_served_make_it_the_mutually_approved_one(
    fixture_dir: Path, demo: Dataset
) -> None:
    # a-iia-4's entry without last-approved-partner-hash: the lifecycle settles it again
    _edit(
        fixture_dir / DATASET_FILE,
        lambda t: re.sub(
            r'(id = "a-iia-4"\n(?:.+\n)*?)last-approved-partner-hash = "\w+"\n', r"\1", t
        ),
    )

    state = load_dataset(fixture_dir).heis[UNI_A].iias.served["a-iia-4"]

    assert state.approved_as_served
    assert state == demo.heis[UNI_A].iias.served["a-iia-4"]


# ------------------------------------------------------------------- factsheets


def test_the_demo_factsheets_load_back_as_written(fixture_dir: Path, demo: Dataset) -> None:
    text = (fixture_dir / FACTSHEET_A).read_text("utf-8")
    assert "<factsheet-response" in text
    assert "<decision-weeks-limit>4<" in text

    loaded = load_dataset(fixture_dir)

    for hei_id in (UNI_A, UNI_B):
        assert loaded.heis[hei_id].factsheet == demo.heis[hei_id].factsheet is not None


def test_a_data_set_without_factsheets_loads_with_none(fixture_dir: Path) -> None:
    shutil.rmtree(fixture_dir / FACTSHEETS_DIR)

    loaded = load_dataset(fixture_dir)

    assert [h.factsheet for h in loaded.heis.values()] == [None, None]


def test_one_file_may_hold_every_factsheet(fixture_dir: Path, demo: Dataset) -> None:
    one = fixture_dir / FACTSHEET_A
    b = (fixture_dir / FACTSHEET_B).read_text("utf-8")
    body = b[b.index("<factsheet>") : b.rindex("</factsheet-response>")]
    _edit(one, lambda t: t.replace("</factsheet-response>", body + "</factsheet-response>"))
    (fixture_dir / FACTSHEET_B).unlink()

    assert load_dataset(fixture_dir) == demo


def test_a_factsheet_missing_a_required_element_is_schema_invalid(fixture_dir: Path) -> None:
    path = fixture_dir / FACTSHEET_A
    _edit(path, lambda t: re.sub(r"\s*<decision-weeks-limit>\d+</decision-weeks-limit>", "", t))

    error = _refused(fixture_dir)

    assert (error.problem, error.path) == ("schema-invalid", str(path))
    assert error.line is not None
    assert "decision-weeks-limit" in str(error)


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ("<email>incoming@", "<email>incoming at ", "email"),
        ("<autumn-term>--05-15<", "<autumn-term>05-15<", "autumn-term"),
        ("<type>service</type>", "<type>parking</type>", "type"),
    ],
    ids=["email", "month-day", "accessibility-type"],
)
def test_a_factsheet_value_of_the_wrong_form_is_schema_invalid(
    fixture_dir: Path, old: str, new: str, expected: str
) -> None:
    path = fixture_dir / FACTSHEET_A
    _edit(path, lambda t: t.replace(old, new, 1))

    error = _refused(fixture_dir)

    assert (error.problem, error.path) == ("schema-invalid", str(path))
    assert expected in str(error)


def test_a_factsheet_of_a_hei_not_served_is_an_unknown_hei(fixture_dir: Path) -> None:
    path = fixture_dir / FACTSHEET_B
    _edit(path, lambda t: t.replace(f"<hei-id>{UNI_B}<", "<hei-id>uni-x.example.org<"))

    error = _refused(fixture_dir)

    assert (error.problem, error.path) == ("unknown-hei", str(path))
    assert "'uni-x.example.org'" in str(error)


def test_two_factsheets_of_one_hei_are_a_duplicate_naming_both_files(fixture_dir: Path) -> None:
    second = fixture_dir / FACTSHEETS_DIR / "again" / "a.xml"
    second.parent.mkdir()
    shutil.copy(fixture_dir / FACTSHEET_A, second)

    error = _refused(fixture_dir)

    assert (error.problem, error.path) == ("duplicate-id", str(fixture_dir / FACTSHEET_A))
    assert str(second) in str(error)
    assert f"'{UNI_A}'" in str(error)


def test_a_negative_week_limit_is_an_invalid_value(fixture_dir: Path) -> None:
    path = fixture_dir / FACTSHEET_B
    _edit(path, lambda t: re.sub(r"<tor-weeks-limit>\d+<", "<tor-weeks-limit>-1<", t))

    error = _refused(fixture_dir)

    assert (error.problem, error.path) == ("invalid-value", str(path))
    assert "tor-weeks-limit -1" in str(error)


def test_another_document_under_factsheets_is_the_wrong_document(fixture_dir: Path) -> None:
    misplaced = fixture_dir / FACTSHEETS_DIR / "an-iia.xml"
    shutil.copy(fixture_dir / IIA_2, misplaced)

    error = _refused(fixture_dir)

    assert (error.problem, error.path) == ("wrong-document", str(misplaced))
    assert "iias-get-response" in str(error)


def test_a_factsheet_file_that_is_not_well_formed_is_malformed(fixture_dir: Path) -> None:
    path = fixture_dir / FACTSHEET_A
    _edit(path, lambda t: t.replace("</calendar>", "</calendar", 1))

    error = _refused(fixture_dir)

    assert (error.problem, error.path) == ("malformed", str(path))
    assert error.line is not None
