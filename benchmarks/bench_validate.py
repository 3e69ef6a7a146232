"""Validating an OMobility LAs get response holding 200 learning agreements.

Three contenders on the same bytes, in one process:

* ``ewp_client.validate``: hardened parse + libxml2 on our bundled schemas;
* libxml2 floor: plain ``lxml`` parse + ``XMLSchema`` compiled from the
  official schemas (imports resolved to the reference pack, offline);
* xmlschema validating against the official schemas.

Prints each time, and ours as a ratio of the other two. Also times how long
the parser takes to refuse a billion-laughs document and a 10,000-deep one.
Run: ``python benchmarks/bench_validate.py``.
"""

from __future__ import annotations

import copy

from _common import REFERENCE, best_of, need_reference
from lxml import etree
from tests.conformance.reference import map_official_uri, official_schema

import ewp_client
from ewp_client.errors import XmlRefusedError
from ewp_client.namespaces import LAS_GET_NS

N_LAS = 200


class _OfficialResolver(etree.Resolver):
    def resolve(self, system_url: str, public_id: str, context: object) -> object:
        mapped = map_official_uri(system_url)
        if mapped != system_url:
            return self.resolve_filename(mapped, context)
        return None


def build_document() -> bytes:
    example = REFERENCE / "examples" / "omobility-las-v1" / "get-response-example.xml"
    root = etree.parse(str(example)).getroot()
    las = root.findall(f"{{{LAS_GET_NS}}}la")
    template = las[0]
    for la in las:
        root.remove(la)
    for i in range(N_LAS):
        la = copy.deepcopy(template)
        mob = la.find(f"{{{LAS_GET_NS}}}omobility-id")
        assert mob is not None
        mob.text = f"omobility-{i:05d}"
        root.append(la)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def official_libxml2() -> etree.XMLSchema:
    parser = etree.XMLParser(no_network=True)
    parser.resolvers.add(_OfficialResolver())
    xsd = (
        REFERENCE
        / "schemas"
        / "ewp-specs-api-omobility-las-v1.2.0"
        / "endpoints"
        / "get-response.xsd"
    )
    return etree.XMLSchema(etree.parse(str(xsd), parser))


def main() -> None:
    need_reference()
    data = build_document()
    floor_schema = official_libxml2()
    xs = official_schema(LAS_GET_NS)

    def ours() -> None:
        ewp_client.validate(data)

    def floor() -> None:
        assert floor_schema.validate(etree.fromstring(data).getroottree())

    def reference() -> None:
        assert xs.is_valid(etree.fromstring(data))

    ours()
    assert floor_schema.validate(etree.fromstring(data).getroottree())
    t_ours = best_of(ours, repeat=15)
    t_floor = best_of(floor, repeat=15)
    t_ref = best_of(reference, repeat=3)
    print(f"document: {len(data) / 1024:.0f} KiB, {N_LAS} learning agreements")
    print(f"ewp_client.validate            {t_ours * 1e3:8.2f} ms")
    print(f"libxml2 floor (official XSDs)  {t_floor * 1e3:8.2f} ms")
    print(f"xmlschema (official XSDs)      {t_ref * 1e3:8.2f} ms")
    print(
        f"speed-up vs xmlschema: {t_ref / t_ours:.1f}x   "
        f"ratio to the libxml2 floor: {t_ours / t_floor:.2f}x"
    )

    laughs = "".join(f'<!ENTITY l{i} "{("&l" + str(i - 1) + ";") * 10}">' for i in range(1, 10))
    bomb = f'<!DOCTYPE a [<!ENTITY l0 "lol">{laughs}]><a>&l9;</a>'.encode()
    deep = b"<a>" * 10_000 + b"</a>" * 10_000
    for name, doc in (("billion laughs", bomb), ("10,000-deep nesting", deep)):

        def refuse(doc: bytes = doc) -> None:
            try:
                ewp_client.parse_xml(doc)
            except XmlRefusedError:
                return
            raise AssertionError("not refused")

        print(f"refusal of {name}: {best_of(refuse, repeat=15, number=20) * 1e6:.1f} us")


if __name__ == "__main__":
    main()
