"""What changed the ``iia-hash`` between two versions of the same copy of an IIA.

A partner approves a copy by quoting its ``iia-hash``; when the copy changes
afterwards, the approval no longer matches and the question is *what* changed.
:func:`diff_iia_hashes` answers it from the fields the official kit hashes
(:attr:`IiaHash.fields <ewp_client.iia.hash.IiaHash.fields>`, the one text
builder), so a difference is reported exactly when it changes the hash:
contacts, signing details or ``iia-code`` never show up, and an element marked
``not-yet-defined`` shows up only when the marker is added or removed (its
fields enter or leave the text).

Each :class:`FieldChange` names the field by a path built from the field
sequence of the text-to-hash:

* ``cooperation-conditions/@terminated-as-a-whole`` for the kit's marker (its
  value reads ``"true"``);
* ``partner[N]/iia-id`` for the N-th partner's ``iia-id``;
* ``cooperation-conditions/KIND[M]/...`` inside the M-th mobility of that kind,
  with ``GROUP[K]/`` for the K-th repeated group (``subject-area``,
  ``recommended-language-skill``), ``name[K]`` for a leaf repeated in its
  parent (``eqf-level[2]``) and ``/@name`` for an attribute; the two
  academic-year fields the kit appends belong to their mobility.

Indices count what enters the text, as the hash sees it: a
``recommended-language-skill`` marked ``not-yet-defined`` is not counted. A
mobility whose kind does not show in the text (only possible when all of it is
hidden) is ``cooperation-conditions/*[M]``, M counting every mobility.

Changes are listed in the order of the text-to-hash: the two field sequences
are aligned (unchanged runs matched first, then changed values paired by field
name), so an inserted or removed field is one change, not a shift of every
field after it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher
from typing import Final

from ..errors import IiaError
from ..xml import Document
from .hash import IiaHash, compute_iia_hashes
from .text_to_hash import FieldKind, HashedField

__all__ = ["FieldChange", "IiaDiff", "diff_iia_hashes", "diff_iias", "field_paths", "select_iia"]

CONDITIONS: Final = "cooperation-conditions"
TERMINATED_PATH: Final = f"{CONDITIONS}/@terminated-as-a-whole"
_PARTNER_LABEL: Final = "iia-id_"
_LAST_YEAR: Final = "receiving-last-academic-year-id"


@dataclass(frozen=True, slots=True)
class FieldChange:
    """One hashed field that differs; ``None`` on the side that does not have it."""

    path: str
    before: str | None
    after: str | None


@dataclass(frozen=True, slots=True)
class IiaDiff:
    """The two hashes and every field difference between them, in text-to-hash order."""

    hash_before: str
    hash_after: str
    differences: tuple[FieldChange, ...]

    @property
    def hashes_agree(self) -> bool:
        return self.hash_before == self.hash_after


# ------------------------------------------------------------------------- paths


def _segments(fields: Sequence[HashedField]) -> Iterator[tuple[int, int]]:
    """``(start, end)`` of the header (marker, partners) and of each mobility.

    A mobility's fields end with the last-academic-year field the kit appends
    after it, so the sequence splits there.
    """
    start = 0
    while start < len(fields) and (
        fields[start].kind is FieldKind.MARKER or fields[start].label.startswith(_PARTNER_LABEL)
    ):
        start += 1
    yield 0, start
    for index in range(start, len(fields)):
        if fields[index].kind is FieldKind.ELEMENT and fields[index].label == _LAST_YEAR:
            yield start, index + 1
            start = index + 1
    if start < len(fields):
        yield start, len(fields)


def _header_path(field: HashedField) -> str:
    if field.kind is FieldKind.MARKER:
        return TERMINATED_PATH
    return f"partner[{field.label[len(_PARTNER_LABEL) :]}]/iia-id"


def _mobility_kind(fields: Sequence[HashedField]) -> str | None:
    for field in fields:
        parts = field.label.split(".")
        if len(parts) >= 3 and parts[0] == CONDITIONS:
            return parts[1]
    return None


def _steps(field: HashedField, kind: str | None) -> tuple[list[str], str | None]:
    """The field's element steps below its mobility, and its attribute name if any."""
    parts = field.label.split(".")
    attribute = None
    if field.kind is FieldKind.ATTRIBUTE:
        attribute = parts.pop()
    if "." not in field.label:  # an academic year appended after the mobility
        return parts, attribute
    if kind is not None and len(parts) >= 2 and parts[0] == CONDITIONS and parts[1] == kind:
        return parts[2:], attribute
    if kind is not None and parts[0] == kind:
        return parts[1:], attribute
    return parts, attribute


def _mobility_paths(fields: Sequence[HashedField], prefix: str, kind: str | None) -> list[str]:
    steps = [_steps(f, kind) for f in fields]
    leaf_totals = Counter(s[0] for s, a in steps if len(s) == 1 and a is None)
    leaf_seen: Counter[str] = Counter()
    group_index: Counter[str] = Counter()
    group_seen: set[tuple[str, str | None]] = set()
    current_group: str | None = None
    paths = []
    for element_steps, attribute in steps:
        suffix = f"/@{attribute}" if attribute is not None else ""
        if len(element_steps) == 1:
            current_group = None
            (name,) = element_steps
            if attribute is None:
                leaf_seen[name] += 1
                if leaf_totals[name] > 1:
                    name = f"{name}[{leaf_seen[name]}]"
            paths.append(f"{prefix}/{name}{suffix}")
            continue
        group, rest = element_steps[0], "/".join(element_steps[1:])
        if current_group != group or (rest, attribute) in group_seen:
            group_index[group] += 1
            group_seen = set()
            current_group = group
        group_seen.add((rest, attribute))
        paths.append(f"{prefix}/{group}[{group_index[group]}]/{rest}{suffix}")
    return paths


def field_paths(fields: Sequence[HashedField]) -> list[str]:
    """A path for each field of a text-to-hash (see the module docstring)."""
    paths: list[str] = []
    kinds: Counter[str] = Counter()
    mobilities = 0
    for start, end in _segments(fields):
        segment = fields[start:end]
        if start == 0:
            paths += [_header_path(f) for f in segment]
            continue
        mobilities += 1
        kind = _mobility_kind(segment)
        if kind is None:
            prefix = f"{CONDITIONS}/*[{mobilities}]"
        else:
            kinds[kind] += 1
            prefix = f"{CONDITIONS}/{kind}[{kinds[kind]}]"
        paths += _mobility_paths(segment, prefix, kind)
    return paths


# -------------------------------------------------------------------------- diff


def _shown(field: HashedField) -> str:
    return "true" if field.kind is FieldKind.MARKER else field.value


def _changed_block(
    before: Sequence[HashedField],
    before_paths: Sequence[str],
    after: Sequence[HashedField],
    after_paths: Sequence[str],
) -> Iterator[FieldChange]:
    """The changes of a region the alignment left unmatched: same-named fields pair up."""
    names = SequenceMatcher(
        None, [(f.kind, f.label) for f in before], [(f.kind, f.label) for f in after], False
    )
    for tag, i1, i2, j1, j2 in names.get_opcodes():
        if tag == "equal":
            for i, j in zip(range(i1, i2), range(j1, j2), strict=True):
                if before[i].value != after[j].value:
                    yield FieldChange(after_paths[j], _shown(before[i]), _shown(after[j]))
            continue
        for i in range(i1, i2):
            yield FieldChange(before_paths[i], _shown(before[i]), None)
        for j in range(j1, j2):
            yield FieldChange(after_paths[j], None, _shown(after[j]))


def diff_iia_hashes(before: IiaHash, after: IiaHash) -> IiaDiff:
    """Every hashed field that differs between two versions of the same copy."""
    old, new = before.fields, after.fields
    old_paths, new_paths = field_paths(old), field_paths(new)
    changes: list[FieldChange] = []
    for tag, i1, i2, j1, j2 in SequenceMatcher(None, old, new, False).get_opcodes():
        if tag != "equal":
            changes += _changed_block(old[i1:i2], old_paths[i1:i2], new[j1:j2], new_paths[j1:j2])
    return IiaDiff(before.sha256, after.sha256, tuple(changes))


def select_iia(results: Sequence[IiaHash], iia_id: str | None, *, what: str) -> IiaHash:
    """The IIA of ``results`` whose (first partner's) ``iia-id`` is ``iia_id``.

    Without ``iia_id`` the document must hold exactly one IIA. Raises
    :class:`~ewp_client.errors.IiaError` otherwise; ``what`` names the document.
    """
    if iia_id is None:
        if len(results) != 1:
            raise IiaError(f"{what} holds {len(results)} IIAs; name the one to use by its iia-id")
        return results[0]
    found = [r for r in results if r.iia_id == iia_id]
    if len(found) != 1:
        count = "no" if not found else str(len(found))
        raise IiaError(f"{what} holds {count} IIA with iia-id {iia_id!r}")
    return found[0]


def diff_iias(before: Document, after: Document, *, iia_id: str | None = None) -> IiaDiff:
    """:func:`diff_iia_hashes` of the IIA ``iia_id`` in two IIAs get responses.

    Either response may be v7 or v6 (a stored v6 snapshot is hashed with the v6
    kit, as for migration). Raises what :func:`compute_iia_hashes` raises for a
    document it cannot hash, and :class:`~ewp_client.errors.IiaError` when the
    IIA cannot be picked (see :func:`select_iia`).
    """
    old = select_iia(compute_iia_hashes(before), iia_id, what="the earlier version")
    new = select_iia(compute_iia_hashes(after), iia_id, what="the later version")
    return diff_iia_hashes(old, new)
