"""Checks that request and response verification share.

Both directions require the signature to cover a date, every header it covers
to be present, and the dates to be within the policy's clock skew; both hand
back a :class:`VerifyResult` holding only the signed headers.
"""

from __future__ import annotations

from typing import Final

from ..errors import MissingSignedHeaderError
from .dates import check_date
from .policy import VerificationPolicy
from .result import VerifyResult
from .signature_params import SignatureParams

__all__ = ["check_covered_present", "check_dates", "verified"]

_DATES: Final = (("date", "Date"), ("original-date", "Original-Date"))


def check_covered_present(
    params: SignatureParams, fields: dict[str, str], *, signature: str, message: str
) -> None:
    """The signature covers a date, and ``message`` has every header it covers.

    ``signature`` and ``message`` name them in the errors (``"the response
    signature"``, ``"response"``).
    """
    if "date" not in params.headers and "original-date" not in params.headers:
        raise MissingSignedHeaderError(
            f"{signature} must cover 'date' or 'original-date'", header="date"
        )
    for name in params.headers:
        if not name.startswith("(") and name not in fields:
            raise MissingSignedHeaderError(
                f"{signature} covers {name!r} but the {message} has no such header",
                header=name,
            )


def check_dates(
    params: SignatureParams, fields: dict[str, str], *, now: float, policy: VerificationPolicy
) -> None:
    """Every signed ``Date`` / ``Original-Date`` (or every one, per the policy) is in time."""
    for name, label in _DATES:
        value = fields.get(name)
        if value is not None and (name in params.headers or policy.verify_unsigned_dates):
            check_date(value, now=now, limit=policy.clock_skew, header=label)


def verified(
    params: SignatureParams,
    items: tuple[tuple[str, str], ...],
    body: bytes,
    *,
    request_id: str | None,
    heis: frozenset[str] = frozenset(),
) -> VerifyResult:
    """The result of a verified message: only the headers ``params`` covers are kept."""
    covered = set(params.headers)
    return VerifyResult(
        key_id=params.key_id,
        covered=params.headers,
        headers=tuple((n, v) for n, v in items if n.lower() in covered),
        body=body,
        signature=params.signature,
        request_id=request_id,
        heis=heis,
    )
