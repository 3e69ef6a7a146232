"""Compare our bundled XSDs with the official ones, component by component.

Both sides are loaded with xmlschema (XSD 1.0). For each global element, type,
group and attribute of a namespace we build a canonical description (names,
occurrences, content models, facets, wildcards, identity constraints; named
types by reference) and report every place where the two descriptions differ.

Run as a script: ``python tests/conformance/schema_compare.py [our/rel/path.xsd ...]``
(no argument: every bundled schema). Exit status 1 when any difference is found.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "src"))

from ewp_client.namespaces import SCHEMAS, SUPPORT_NS, XSD_NS, SchemaInfo
from tests.conformance.reference import (
    official_schema,
    our_schema_xmlschema,
)

Desc = Any

#: Our support types that stand for a built-in type (see schemas/support/strict-types.xsd).
EQUIVALENT_TYPES = {
    f"{{{SUPPORT_NS}}}base64Binary": f"{{{XSD_NS}}}base64Binary",
}


def _named(name: str) -> Desc:
    return ("type", EQUIVALENT_TYPES.get(name, name))


def _occ(p: Any) -> tuple[int, int | None]:
    return (getattr(p, "min_occurs", 1), getattr(p, "max_occurs", 1))


def _facets(t: Any) -> Desc:
    facets = []
    for qn, f in sorted((getattr(t, "facets", {}) or {}).items(), key=lambda kv: str(kv[0])):
        if qn is None:
            continue
        local = str(qn).split("}")[-1]
        if local == "pattern":
            facets.append(("pattern", tuple(sorted(f.regexps))))
        elif local == "enumeration":
            facets.append(("enumeration", tuple(sorted(map(str, f.enumeration)))))
        else:
            facets.append((local, str(getattr(f, "value", f))))
    return tuple(facets)


def _simple(t: Any, seen: set[int], top: bool = False) -> Desc:
    if not top and t.name is not None and t.parent is None:
        return _named(t.name)
    if t.is_list() and hasattr(t, "item_type"):
        return ("list", _simple(t.item_type, seen))
    if hasattr(t, "member_types"):
        return ("union", tuple(_simple(m, seen) for m in t.member_types))
    base = t.base_type
    return (type(t).__name__, _simple(base, seen) if base is not None else None, _facets(t))


def _type(t: Any, seen: set[int]) -> Desc:
    if t.name is not None and t.parent is None:
        return _named(t.name)
    if t.is_simple():
        return _simple(t, seen)
    return _complex_body(t, seen)


def _attrs(t: Any, seen: set[int]) -> Desc:
    group = t.attributes if hasattr(t, "attributes") else t
    out = []
    for name, a in sorted(group.items(), key=lambda kv: str(kv[0])):
        if name is None:
            out.append(("anyAttribute", tuple(sorted(a.namespace)), a.process_contents))
        else:
            out.append((name, a.use, a.default, a.fixed, _type(a.type, seen)))
    return tuple(out)


def _complex_body(t: Any, seen: set[int]) -> Desc:
    if t.has_simple_content():
        content = ("simple", _simple(t.content, seen))
    else:
        content = ("complex", t.mixed, _group(t.content, seen))
    return ("complexType", t.abstract, content, _attrs(t, seen))


def _group(g: Any, seen: set[int]) -> Desc:
    if g is None:
        return None
    if not hasattr(g, "model"):
        return None
    items = []
    for p in g:
        items.append(_particle(p, seen))
    return (g.model, _occ(g), tuple(items))


def _identities(e: Any) -> Desc:
    out = []
    for name, c in sorted((getattr(e, "identities", {}) or {}).items(), key=lambda kv: str(kv[0])):
        sel = c.selector.path if c.selector is not None else None
        fields = tuple(f.path for f in c.fields)
        refer = getattr(getattr(c, "refer", None), "name", None)
        out.append((type(c).__name__, name, sel, fields, refer))
    return tuple(out)


def _element(e: Any, seen: set[int]) -> Desc:
    if e.ref is not None:
        return ("element-ref", e.name, _occ(e))
    return (
        "element",
        e.name,
        _occ(e),
        e.nillable,
        e.default,
        e.fixed,
        e.abstract,
        _type(e.type, seen),
        _identities(e),
    )


def _particle(p: Any, seen: set[int]) -> Desc:
    kind = type(p).__name__
    if kind == "XsdAnyElement":
        return ("any", tuple(sorted(p.namespace)), p.process_contents, _occ(p))
    if hasattr(p, "model"):
        return _group(p, seen)
    return _element(p, seen)


def describe_global(kind: str, comp: Any) -> Desc:
    seen: set[int] = set()
    if kind == "elements":
        e = comp
        return (
            "element",
            e.name,
            e.nillable,
            e.default,
            e.fixed,
            e.abstract,
            getattr(getattr(e, "substitution_group", None), "name", e.substitution_group),
            _complex_body(e.type, seen)
            if (e.type.parent is not None and not e.type.is_simple())
            else _type(e.type, seen),
            _identities(e),
        )
    if kind == "types":
        return _simple(comp, seen, top=True) if comp.is_simple() else _complex_body(comp, seen)
    if kind == "groups":
        return _group(comp, seen)
    if kind == "attributes":
        return (comp.name, comp.default, comp.fixed, _type(comp.type, seen))
    if kind == "attribute_groups":
        return _attrs(comp, seen)
    raise ValueError(kind)


KINDS = ("elements", "types", "groups", "attributes", "attribute_groups")


def _globals(schema: Any, namespace: str, kind: str) -> dict[str, Any]:
    comps = getattr(schema.maps, kind)
    out = {}
    for name, comp in comps.items():
        if not isinstance(name, str):
            continue
        ns = name[1:].split("}", 1)[0] if name.startswith("{") else ""
        if ns == namespace:
            out[name] = comp
    return out


def _diff(path: str, a: Desc, b: Desc, out: list[str]) -> None:
    if a == b:
        return
    if isinstance(a, tuple) and isinstance(b, tuple) and len(a) == len(b):
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            _diff(f"{path}[{i}]", x, y, out)
        return
    out.append(f"{path}: official={a!r} ours={b!r}")


def compare(info: SchemaInfo) -> list[str]:
    """Every difference between the official schema and ours for ``info``'s namespace."""
    official = official_schema(info.namespace)
    ours = our_schema_xmlschema(info.namespace)
    problems: list[str] = []
    for kind in KINDS:
        o = _globals(official, info.namespace, kind)
        m = _globals(ours, info.namespace, kind)
        for name in sorted(set(o) - set(m)):
            problems.append(f"{kind} {name}: missing in ours")
        for name in sorted(set(m) - set(o)):
            problems.append(f"{kind} {name}: not in the official schema")
        for name in sorted(set(o) & set(m)):
            _diff(
                f"{kind} {name}",
                describe_global(kind, o[name]),
                describe_global(kind, m[name]),
                problems,
            )
    return problems


def main(argv: list[str]) -> int:
    wanted = [a.strip("/") for a in argv]
    infos = [s for s in SCHEMAS if not wanted or s.file in wanted]
    if wanted and not infos:
        print(f"no bundled schema named {wanted}", file=sys.stderr)
        return 2
    bad = 0
    for info in infos:
        try:
            problems = compare(info)
        except Exception as exc:  # a report tool: show what broke and go on
            print(f"{info.file}: cannot compare: {type(exc).__name__}: {exc}")
            bad += 1
            continue
        status = "OK" if not problems else f"{len(problems)} difference(s)"
        print(f"{info.file}: {status}")
        for p in problems:
            print(f"  - {p}")
        bad += bool(problems)
    return 1 if bad else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
