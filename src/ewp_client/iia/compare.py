"""Do our copy and the partner's copy of an IIA say the same thing?

Each partner serves its own copy: itself first among the partners, its own
``iia-id`` and ``iia-code``, its own contacts and signing details, and so its
own ``iia-hash``. Comparing hashes cannot tell whether two such copies agree;
:func:`compare_iias` compares what both must agree on, on the decoded models:

* the partners' HEIs (whatever their order) and each HEI's unit;
* ``terminated-as-a-whole``;
* the cooperation conditions, mobility by mobility whatever their order: a
  mobility specification is matched with the other copy's one of the same kind,
  sending HEI and unit and receiving HEI and unit. Several with the same key
  are paired first with an identical one, then in document order; one left
  without a match is itself a difference.

Inside a matched mobility, values are compared as what they mean, not as
written: ``true`` and ``1`` are the same ``blended``, ``5`` and ``5.0`` the
same number of months, ``EN`` and ``en`` the same language, runs of white
space in free text count as one space; EQF levels are a set, and subject areas
and recommended language skills are paired like mobilities (an identical one
first, then in order). Contacts, ``iia-id``, ``iia-code``, signing details,
``in-effect`` and the PDF are each side's own and never compared.

A :class:`Disagreement` shows the values as each copy writes them. Its path
starts with ``partner[hei-id='...']`` or with
``cooperation-conditions/KIND[sending-hei-id='...'][receiving-hei-id='...']``
(units added when given, ``[N]`` when several mobilities share the key);
``subject-area[N]`` / ``recommended-language-skill[N]`` number items in our copy
(in the partner's for an item only it has). An item or a mobility present on
one side only has the other side ``None`` and a summary of its fields.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import TypeVar

from ..codec import decode, root_tag
from ..errors import IiaError
from ..models.iia import (
    Iia,
    IiasGetResponse,
    MobilitySpecification,
    RecommendedLanguageSkill,
    StaffMobilitySpecification,
    StudentMobilitySpecification,
    SubjectArea,
)
from ..xml import Document

__all__ = ["Disagreement", "IiaComparison", "compare_copies", "compare_iias", "select_copy"]

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Disagreement:
    """One thing the two copies say differently (``None``: that copy does not say it)."""

    path: str
    ours: str | None
    theirs: str | None


@dataclass(frozen=True, slots=True)
class IiaComparison:
    """Every disagreement between our copy and the partner's copy."""

    differences: tuple[Disagreement, ...]

    @property
    def agree(self) -> bool:
        return not self.differences


# -------------------------------------------------------------------- meanings


def _text(value: str | None) -> str | None:
    return None if value is None else " ".join(value.split())


def _lower(value: str | None) -> str | None:
    text = _text(value)
    return None if text is None else text.lower()


def _boolean(value: str | None) -> str | None:
    text = _text(value)
    return {"1": "true", "0": "false"}.get(text or "", text)


def _number(value: str | None) -> object:
    if value is None:
        return None
    try:
        return Decimal(value.strip())
    except InvalidOperation:
        return _text(value)


def _flag(value: bool | None) -> str | None:
    return None if value is None else ("true" if value else "false")


@dataclass(frozen=True, slots=True)
class _Value:
    """A compared value: as written (shown) and what it means (compared)."""

    written: str | None
    meaning: object


Fields = list[tuple[str, _Value]]


def _value(written: str | None, meaning: Callable[[str | None], object] = _text) -> _Value:
    return _Value(written, meaning(written))


def _subject_area_fields(area: SubjectArea | None, prefix: str = "") -> Fields:
    if area is None:
        return []
    code = area.isced_f_code
    return [
        (f"{prefix}isced-f-code", _value(code.value)),
        (f"{prefix}isced-f-code/@v6-value", _value(code.v6_value)),
        (f"{prefix}isced-clarification", _value(area.isced_clarification)),
    ]


def _skill_fields(skill: RecommendedLanguageSkill) -> Fields:
    return [
        ("language", _value(skill.language, _lower)),
        ("cefr-level", _value(skill.cefr_level)),
        *_subject_area_fields(skill.subject_area, "subject-area/"),
        ("@not-yet-defined", _value(_flag(skill.not_yet_defined), _boolean)),
    ]


def _eqf_levels(levels: Sequence[str]) -> _Value:
    written = ", ".join(level.strip() for level in levels) if levels else None
    return _Value(written, frozenset(_number(level) for level in levels))


def _scalar_fields(mobility: MobilitySpecification) -> Fields:
    per_year = mobility.mobilities_per_year
    fields: Fields = [
        ("receiving-first-academic-year-id", _value(mobility.receiving_first_academic_year_id)),
        ("receiving-last-academic-year-id", _value(mobility.receiving_last_academic_year_id)),
        ("mobilities-per-year", _value(per_year.value, _number)),
        (
            "mobilities-per-year/@not-yet-defined",
            _value(_flag(per_year.not_yet_defined), _boolean),
        ),
        ("other-info-terms", _value(mobility.other_info_terms)),
    ]
    if isinstance(mobility, StudentMobilitySpecification):
        fields += [
            ("total-months-per-year", _value(mobility.total_months_per_year, _number)),
            ("blended", _value(mobility.blended, _boolean)),
            ("eqf-level", _eqf_levels(mobility.eqf_levels)),
        ]
    elif isinstance(mobility, StaffMobilitySpecification):
        fields.append(("total-days-per-year", _value(mobility.total_days_per_year, _number)))
    return fields


# ---------------------------------------------------------------- comparisons


def _field_differences(path: str, ours: Fields, theirs: Fields) -> Iterator[Disagreement]:
    mine = dict(ours)
    other = dict(theirs)
    for name in dict.fromkeys([*mine, *other]):
        left, right = mine.get(name), other.get(name)
        if left is None or right is None or left.meaning != right.meaning:
            yield Disagreement(
                f"{path}/{name}",
                left.written if left is not None else None,
                right.written if right is not None else None,
            )


def _summary(fields: Fields) -> str:
    return "; ".join(f"{name}={v.written}" for name, v in fields if v.written is not None)


def _pair(
    ours: Sequence[T], theirs: Sequence[T], same: Callable[[T, T], bool]
) -> tuple[list[tuple[int, int]], list[int], list[int]]:
    """Pairs of indices (identical items first, then in order) and the unpaired of each side."""
    free = list(range(len(theirs)))
    pairs: list[tuple[int, int]] = []
    unpaired: list[int] = []
    for i, item in enumerate(ours):
        match = next((j for j in free if same(item, theirs[j])), None)
        if match is None:
            unpaired.append(i)
        else:
            free.remove(match)
            pairs.append((i, match))
    for i, j in zip(list(unpaired), list(free), strict=False):
        pairs.append((i, j))
        unpaired.remove(i)
        free.remove(j)
    return sorted(pairs), unpaired, free


def _list_differences(
    path: str, ours: Sequence[Fields], theirs: Sequence[Fields]
) -> Iterator[Disagreement]:
    def same(left: Fields, right: Fields) -> bool:
        return next(_field_differences("", left, right), None) is None

    pairs, only_ours, only_theirs = _pair(ours, theirs, same)
    for i, j in pairs:
        yield from _field_differences(f"{path}[{i + 1}]", ours[i], theirs[j])
    for i in only_ours:
        yield Disagreement(f"{path}[{i + 1}]", _summary(ours[i]), None)
    for j in only_theirs:
        yield Disagreement(f"{path}[{j + 1}]", None, _summary(theirs[j]))


def _mobility_differences(
    path: str, ours: MobilitySpecification, theirs: MobilitySpecification
) -> Iterator[Disagreement]:
    yield from _field_differences(path, _scalar_fields(ours), _scalar_fields(theirs))
    yield from _list_differences(
        f"{path}/recommended-language-skill",
        [_skill_fields(s) for s in ours.recommended_language_skills],
        [_skill_fields(s) for s in theirs.recommended_language_skills],
    )
    yield from _list_differences(
        f"{path}/subject-area",
        [_subject_area_fields(a) for a in ours.subject_areas],
        [_subject_area_fields(a) for a in theirs.subject_areas],
    )


_MobilityKey = tuple[str, str, str | None, str, str | None]


def _kind(mobility: MobilitySpecification) -> str:
    """The mobility's element name (``student-studies-mobility-spec``...)."""
    return root_tag(type(mobility)).rpartition("}")[2]


def _key(mobility: MobilitySpecification) -> _MobilityKey:
    return (
        _kind(mobility),
        mobility.sending_hei_id.strip(),
        _text(mobility.sending_ounit_id),
        mobility.receiving_hei_id.strip(),
        _text(mobility.receiving_ounit_id),
    )


def _key_path(key: _MobilityKey) -> str:
    kind, sending, sending_unit, receiving, receiving_unit = key
    path = f"cooperation-conditions/{kind}[sending-hei-id='{sending}']"
    if sending_unit is not None:
        path += f"[sending-ounit-id='{sending_unit}']"
    path += f"[receiving-hei-id='{receiving}']"
    if receiving_unit is not None:
        path += f"[receiving-ounit-id='{receiving_unit}']"
    return path


def _mobility_summary(mobility: MobilitySpecification) -> str:
    return _summary(_scalar_fields(mobility))


def _numbered(path: str, index: int, several: bool) -> str:
    return f"{path}[{index + 1}]" if several else path


def _same_mobility(left: MobilitySpecification, right: MobilitySpecification) -> bool:
    return next(_mobility_differences("", left, right), None) is None


def _conditions_differences(ours: Iia, theirs: Iia) -> Iterator[Disagreement]:
    mine, other = ours.cooperation_conditions, theirs.cooperation_conditions
    terminated = "cooperation-conditions/@terminated-as-a-whole"
    if bool(mine.terminated_as_a_whole) != bool(other.terminated_as_a_whole):
        yield Disagreement(
            terminated, _flag(mine.terminated_as_a_whole), _flag(other.terminated_as_a_whole)
        )
    keys = dict.fromkeys(_key(m) for m in (*mine.mobilities, *other.mobilities))
    for key in keys:
        left = [m for m in mine.mobilities if _key(m) == key]
        right = [m for m in other.mobilities if _key(m) == key]
        path = _key_path(key)
        several = max(len(left), len(right)) > 1
        pairs, only_ours, only_theirs = _pair(left, right, _same_mobility)
        for i, j in pairs:
            yield from _mobility_differences(_numbered(path, i, several), left[i], right[j])
        for i in only_ours:
            yield Disagreement(_numbered(path, i, several), _mobility_summary(left[i]), None)
        for j in only_theirs:
            yield Disagreement(_numbered(path, j, several), None, _mobility_summary(right[j]))


def _partner_differences(ours: Iia, theirs: Iia) -> Iterator[Disagreement]:
    mine = {p.hei_id.strip(): p for p in ours.partners}
    other = {p.hei_id.strip(): p for p in theirs.partners}
    if set(mine) != set(other):
        yield Disagreement("partner/hei-id", ", ".join(sorted(mine)), ", ".join(sorted(other)))
    for hei_id in sorted(set(mine) & set(other)):
        left, right = mine[hei_id].ounit_id, other[hei_id].ounit_id
        if _text(left) != _text(right):
            yield Disagreement(f"partner[hei-id='{hei_id}']/ounit-id", left, right)


def compare_iias(ours: Iia, theirs: Iia) -> IiaComparison:
    """Every disagreement between our copy and the partner's copy (see the module docstring)."""
    return IiaComparison(
        (*_partner_differences(ours, theirs), *_conditions_differences(ours, theirs))
    )


def select_copy(response: IiasGetResponse, iia_id: str | None, *, what: str) -> Iia:
    """The IIA of ``response`` in which any partner has ``iia_id``.

    ``iia_id`` may be either side's id, as the partner's copy names ours once
    it is mapped. Without it the response must hold exactly one IIA. Raises
    :class:`~ewp_client.errors.IiaError` otherwise; ``what`` names the copy.
    """
    if iia_id is None:
        if len(response.iias) != 1:
            raise IiaError(
                f"{what} holds {len(response.iias)} IIAs; name the one to use by an iia-id"
            )
        return response.iias[0]
    found = [i for i in response.iias if any(p.iia_id == iia_id for p in i.partners)]
    if len(found) != 1:
        count = "no" if not found else str(len(found))
        raise IiaError(f"{what} holds {count} IIA with a partner iia-id {iia_id!r}")
    return found[0]


def compare_copies(ours: Document, theirs: Document, *, iia_id: str | None = None) -> IiaComparison:
    """:func:`compare_iias` on two IIAs v7 get responses.

    Both are parsed, validated and decoded with :func:`ewp_client.codec.decode`,
    so an unreadable or invalid document raises what it raises
    (:class:`~ewp_client.errors.XmlError` subclasses); the IIA is picked with
    :func:`select_copy`.
    """
    mine = select_copy(decode(ours, IiasGetResponse), iia_id, what="our copy")
    other = select_copy(decode(theirs, IiasGetResponse), iia_id, what="the partner's copy")
    return compare_iias(mine, other)
