"""Our bundled schemas against the official ones.

Three angles: the official examples validate with both; every global component
is structurally identical (names, content models, facets); and a mutation
corpus of official documents gets the same verdict from our validator
(libxml2 on our schemas) as from xmlschema on the official schemas.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest
from lxml import etree

from ewp_client import namespaces
from ewp_client.xml.validate import is_valid, validate
from tests.conformance import reference
from tests.conformance.mutations import MUTATORS, mutants
from tests.conformance.schema_compare import compare

pytestmark = pytest.mark.skipif(not reference.available(), reason=reference.MISSING_REASON)

EXAMPLES = reference.full_examples() if reference.available() else []
VECTORS = sorted(reference.VECTORS.glob("*.xml")) if reference.available() else []


def _root_ns(tree: etree._ElementTree) -> str:
    return etree.QName(tree.getroot()).namespace or ""


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: str(p.relative_to(reference.EXAMPLES)))
def test_official_example_is_valid_with_ours_and_official(path: Path) -> None:
    tree = validate(path.read_bytes())
    assert reference.official_schema(_root_ns(tree)).is_valid(tree)


@pytest.mark.parametrize("info", namespaces.SCHEMAS, ids=lambda s: s.file)
def test_schema_components_match_official(info: namespaces.SchemaInfo) -> None:
    assert compare(info) == []


def test_structural_agreement_figure(figures: Callable[[str], None]) -> None:
    identical = sum(1 for info in namespaces.SCHEMAS if not compare(info))
    figures(
        f"schemas structurally identical to the official ones: {identical}/"
        f"{len(namespaces.SCHEMAS)}"
    )
    assert identical == len(namespaces.SCHEMAS)


@pytest.mark.slow
def test_mutation_corpus_verdicts_agree_with_official(figures: Callable[[str], None]) -> None:
    seeds = EXAMPLES + VECTORS
    total = agree = 0
    invalid = 0
    by_kind: Counter[str] = Counter()
    disagreements: list[str] = []
    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    for m in mutants(seeds, per_kind=2):
        tree = etree.fromstring(m.data, parser).getroottree()
        ours = is_valid(m.data)
        theirs = reference.official_schema(m.root_namespace).is_valid(tree)
        total += 1
        by_kind[m.kind] += 1
        invalid += not theirs
        if ours == theirs:
            agree += 1
        else:
            disagreements.append(f"{m.seed} {m.kind} {m.target}: ours={ours} official={theirs}")
    figures(
        f"schema verdict agreement on the mutation corpus: {agree}/{total} "
        f"({100.0 * agree / total:.2f}%), {invalid} invalid per the official schemas, "
        f"{len(MUTATORS)} mutation kinds"
    )
    assert total >= 2000
    assert disagreements == []
