"""Likely causes of a declared ``iia-hash`` that differs from the computed one.

When a partner's ``iia-hash`` does not match, the text both sides hashed is
usually almost the same: this module recomputes the hash for the variants that
partners are known to produce and names those that give the declared value.
"""

from __future__ import annotations

from collections.abc import Callable

from .hash import IiaHash, sha256_hex
from .text_to_hash import MARKER, TERMINATED, Field, render


def _without_marker(fields: tuple[Field, ...]) -> tuple[Field, ...] | None:
    if fields and fields[0][0] is MARKER:
        return fields[1:]
    return None


def _with_marker(fields: tuple[Field, ...]) -> tuple[Field, ...] | None:
    if fields and fields[0][0] is MARKER:
        return None
    return ((MARKER, TERMINATED, ""), *fields)


def _trimmed(fields: tuple[Field, ...]) -> tuple[Field, ...] | None:
    trimmed = tuple((kind, label, value.strip()) for kind, label, value in fields)
    return trimmed if trimmed != fields else None


_FIELD_VARIANTS: list[tuple[str, Callable[[tuple[Field, ...]], tuple[Field, ...] | None]]] = [
    (
        "the partner left out the terminated-as-a-whole marker, which another IIA of this "
        "response put on every IIA (the kit reads it response-wide)",
        _without_marker,
    ),
    (
        "the partner hashed with a terminated-as-a-whole marker this response does not carry "
        "(it may come from another IIA served along with this one)",
        _with_marker,
    ),
    ("the partner trimmed white space around values; the kit does not", _trimmed),
]


def mismatch_hints(result: IiaHash, *, v6_text: str | None = None) -> list[str]:
    """Explanations under which the declared ``iia-hash`` of ``result`` is the right hash.

    ``v6_text`` is the v6 kit's text for the same ``<iia>``, when the caller has
    it. Empty when the hash matches, none is declared, or no variant explains it.
    """
    declared = result.declared_hash
    if declared is None or declared == result.sha256:
        return []
    hints = []
    if declared.strip().lower() == result.sha256:
        hints.append("the declared hash differs only in letter case or white space")
    text = result.text_to_hash
    texts = [
        ("the partner added a trailing '_' to the text", text + "_"),
        ("the partner hashed the text without its last '_'", text[:-1]),
    ]
    if v6_text is not None:
        texts.append(("the partner used the v6 kit (transform_version_6.xsl)", v6_text))
    for hint, variant in texts:
        if sha256_hex(variant) == declared:
            hints.append(hint)
    for hint, make in _FIELD_VARIANTS:
        fields = make(result.field_tuples)
        if fields is not None and sha256_hex(render(fields)) == declared:
            hints.append(hint)
    return hints
