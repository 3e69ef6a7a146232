"""Which known interoperability problem a set of schema violations is, if any.

Every :class:`~ewp_client.errors.SchemaValidationError` the library raises is
made by :func:`schema_error`, which picks the subclass naming the problem from
the violations' rewritten messages (:mod:`ewp_client.xml.messages`): a
required element missing (with two business hints: an IIA approval without
``iia-id``, a mobility spec without ``recommended-language-skill``), or values
in the wrong format. Violations of neither kind stay a plain
:class:`~ewp_client.errors.SchemaValidationError`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Final

from ..errors import (
    ApprovalWithoutIiaId,
    InvalidValueFormat,
    MissingLanguageSkill,
    RequiredElementMissing,
    SchemaValidationError,
    Violation,
)

__all__ = ["schema_error"]

#: "<x>: not expected here; expected <a>" and "a required child element is missing; expected ..."
_EXPECTED: Final = re.compile(
    r"(not expected here|a required child element is missing); expected (.*)$"
)
_NAME: Final = re.compile(r"<(?:[\w.-]+:)?([\w.-]+)>")
#: The rewritten messages of a value that breaks its type (pattern, enumeration, length...).
_VALUE: Final = re.compile(
    r"is not a valid|does not match the pattern|is not one of|characters long|"
    r"must be|is not accepted|exceeds|underruns"
)
_LANGUAGE_SPECS: Final = ("student-studies-mobility-spec", "staff-teacher-mobility-spec")


def _missing(violation: Violation) -> tuple[str, tuple[str, ...]] | None:
    """``(parent path, expected names)`` when ``violation`` is about an absent element."""
    match = _EXPECTED.search(violation.message)
    if match is None:
        return None
    names = tuple(_NAME.findall(match[2]))
    if match[1].startswith("not expected"):
        parent = violation.path.rpartition("/")[0] or "/"  # the path is the sibling found instead
    else:
        parent = violation.path
    return parent, names


def _last_step(path: str) -> str:
    step = path.rpartition("/")[2]
    return step.partition("[")[0].rpartition(":")[2]


def schema_error(
    violations: Sequence[Violation],
    *,
    namespace: str | None,
    root: str,
    total: int | None = None,
    total_is_exact: bool = True,
) -> SchemaValidationError:
    """The :class:`SchemaValidationError` (subclass) naming what ``violations`` are.

    The first violation of the most specific kind decides: a business hint
    (approval without ``iia-id``, missing language skill), then a missing
    element, then values in the wrong format.
    """
    missing = [found for v in violations if (found := _missing(v)) is not None]
    kind: type[RequiredElementMissing] | None = None
    where: tuple[str, tuple[str, ...]] | None = None
    for parent, names in missing:
        if root == "iias-approval-response" and "iia-id" in names:
            kind, where = ApprovalWithoutIiaId, (parent, names)
            break
    else:
        for parent, names in missing:
            if "recommended-language-skill" in names and _last_step(parent) in _LANGUAGE_SPECS:
                kind, where = MissingLanguageSkill, (parent, names)
                break
        else:
            if missing:
                kind, where = RequiredElementMissing, missing[0]
    if kind is not None and where is not None:
        return kind(
            violations,
            namespace=namespace,
            root=root,
            path=where[0],
            missing=where[1],
            total=total,
            total_is_exact=total_is_exact,
        )
    plain = SchemaValidationError
    if any(_VALUE.search(v.message) for v in violations):
        plain = InvalidValueFormat
    return plain(
        violations, namespace=namespace, root=root, total=total, total_is_exact=total_is_exact
    )
