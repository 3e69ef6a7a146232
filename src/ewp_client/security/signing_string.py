"""The signing string (draft-cavage §2.3): the one builder for every signature in EWP.

Request signing, request verification, response signing and response
verification all call :func:`signing_string`, so what is signed and what is
verified cannot drift apart.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Final

from ..errors import MissingSignedHeaderError

__all__ = ["REQUEST_TARGET", "HeaderItems", "combine_headers", "request_target", "signing_string"]

REQUEST_TARGET: Final = "(request-target)"

#: Header fields as ``(name, value)`` pairs, in wire order, repeated names allowed.
HeaderItems = Iterable[tuple[str, str]]


def combine_headers(headers: HeaderItems) -> dict[str, str]:
    """``{lower-case name: value}``; values of a repeated header joined by ``", "`` in order."""
    combined: dict[str, str] = {}
    for name, value in headers:
        key = name.lower()
        value = value.strip()
        combined[key] = f"{combined[key]}, {value}" if key in combined else value
    return combined


def request_target(method: str, target: str) -> str:
    """``(request-target)`` value: lower-case method, then path and query exactly as sent."""
    return f"{method.lower()} {target}"


def signing_string(
    covered: Sequence[str],
    headers: Mapping[str, str],
    *,
    target: str | None = None,
) -> bytes:
    """The bytes to sign for ``covered`` header names.

    ``headers`` comes from :func:`combine_headers`; ``target`` is the
    :func:`request_target` value, needed when ``(request-target)`` is covered.
    A covered header the message does not carry raises
    :class:`MissingSignedHeaderError`.
    """
    lines = []
    for name in covered:
        if name == REQUEST_TARGET:
            if target is None:
                raise MissingSignedHeaderError(
                    "(request-target) is covered but there is no request target", header=name
                )
            value = target
        else:
            found = headers.get(name)
            if found is None:
                raise MissingSignedHeaderError(
                    f"the signature covers {name!r} but the message has no such header",
                    header=name,
                )
            value = found
        lines.append(f"{name}: {value}")
    return "\n".join(lines).encode("utf-8")
