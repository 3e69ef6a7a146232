"""A deterministic mutation corpus built from official EWP documents.

Each mutation breaks (or, by chance, keeps) schema validity in one of the ways
partners get documents wrong: a dropped or duplicated element, a bad
enumeration or pattern value, reordered siblings, an unknown element, a wrong
namespace, text of the wrong type, a bad attribute. The verdict of interest is
whatever the official schemas say; the corpus only has to be varied.
"""

from __future__ import annotations

import copy
import itertools
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from lxml import etree


@dataclass(frozen=True)
class Mutant:
    seed: str
    root_namespace: str
    kind: str
    target: str
    data: bytes


def _elements(root: etree._Element) -> list[etree._Element]:
    return [e for e in root.iter() if isinstance(e.tag, str)]


def _children(e: etree._Element) -> list[etree._Element]:
    return [c for c in e if isinstance(c.tag, str)]


def _path(e: etree._Element) -> str:
    return e.getroottree().getpath(e)


def _drop(root: etree._Element, rng: random.Random) -> str | None:
    candidates = [e for e in _elements(root) if e.getparent() is not None]
    if not candidates:
        return None
    e = rng.choice(candidates)
    where = _path(e)
    parent = e.getparent()
    assert parent is not None
    parent.remove(e)
    return where


def _duplicate(root: etree._Element, rng: random.Random) -> str | None:
    candidates = [e for e in _elements(root) if e.getparent() is not None]
    if not candidates:
        return None
    e = rng.choice(candidates)
    e.addnext(copy.deepcopy(e))
    return _path(e)


def _leaves(root: etree._Element) -> list[etree._Element]:
    return [e for e in _elements(root) if not _children(e) and (e.text or "").strip()]


def _set_text(root: etree._Element, rng: random.Random, make: Callable[[str], str]) -> str | None:
    leaves = _leaves(root)
    if not leaves:
        return None
    e = rng.choice(leaves)
    e.text = make(e.text or "")
    return _path(e)


def _bad_enum(root: etree._Element, rng: random.Random) -> str | None:
    return _set_text(root, rng, lambda t: t.strip() + "-unknown")


def _bad_pattern(root: etree._Element, rng: random.Random) -> str | None:
    return _set_text(root, rng, lambda t: " " + t.strip().upper() + " #?")


_WRONG_TEXT = ("abc", "", "2020-13-45", "-1", "1.5", "true-ish", "x" * 300, "12:00")


def _wrong_type(root: etree._Element, rng: random.Random) -> str | None:
    value = rng.choice(_WRONG_TEXT)
    return _set_text(root, rng, lambda _t: value)


def _reorder(root: etree._Element, rng: random.Random) -> str | None:
    pairs = []
    for parent in _elements(root):
        kids = _children(parent)
        pairs.extend((a, b) for a, b in itertools.pairwise(kids) if a.tag != b.tag)
    if not pairs:
        return None
    a, b = rng.choice(pairs)
    b.addnext(a)  # moves a after b
    return _path(b)


def _unknown_element(root: etree._Element, rng: random.Random) -> str | None:
    parents = _elements(root)
    parent = rng.choice(parents)
    ns = etree.QName(parent).namespace
    tag = (
        f"{{{ns}}}unexpected-element"
        if ns and rng.random() < 0.7
        else "{urn:example:other}unexpected-element"
    )
    child = etree.Element(tag)
    child.text = "x"
    kids = _children(parent)
    position = rng.randint(0, len(kids)) if kids else 0
    if kids and position < len(kids):
        kids[position].addprevious(child)
    else:
        parent.append(child)
    return _path(parent)


def _wrong_namespace(root: etree._Element, rng: random.Random) -> str | None:
    e = rng.choice(_elements(root))
    q = etree.QName(e)
    ns = (q.namespace or "urn:none") + "-wrong"
    where = _path(e)
    e.tag = f"{{{ns}}}{q.localname}"
    return where


def _bad_attribute(root: etree._Element, rng: random.Random) -> str | None:
    e = rng.choice(_elements(root))
    where = _path(e)
    existing = [k for k in e.attrib if not k.startswith("{")]
    choice = rng.random()
    if existing and choice < 0.4:
        e.set(rng.choice(existing), rng.choice(_WRONG_TEXT))
    elif existing and choice < 0.6:
        del e.attrib[rng.choice(existing)]
    else:
        e.set("unexpected-attribute", "1")
    return where


MUTATORS: dict[str, Callable[[etree._Element, random.Random], str | None]] = {
    "drop-element": _drop,
    "duplicate-element": _duplicate,
    "bad-enumeration": _bad_enum,
    "bad-pattern": _bad_pattern,
    "reorder-siblings": _reorder,
    "unknown-element": _unknown_element,
    "wrong-namespace": _wrong_namespace,
    "wrong-text-type": _wrong_type,
    "bad-attribute": _bad_attribute,
}


def mutants(seeds: list[Path], per_kind: int, rng_seed: int = 2026) -> Iterator[Mutant]:
    """``per_kind`` mutants of every kind for every seed document, reproducibly."""
    rng = random.Random(rng_seed)
    parser = etree.XMLParser(resolve_entities=False, no_network=True, remove_blank_text=False)
    for path in seeds:
        original = etree.parse(str(path), parser).getroot()
        namespace = etree.QName(original).namespace or ""
        for kind, mutate in MUTATORS.items():
            for _ in range(per_kind):
                root = copy.deepcopy(original)
                target = mutate(root, rng)
                if target is None:
                    continue
                yield Mutant(path.name, namespace, kind, target, etree.tostring(root))
