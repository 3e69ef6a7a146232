"""A partner's TLS certificate refused, named: which of the usual defects OpenSSL found.

httpx reports a certificate the client does not trust as a ``ConnectError``
like any network failure; the :class:`ssl.SSLCertVerificationError` under it
says which check failed. :func:`certificate_error` finds it and makes it a
:class:`~ewp_client.errors.TlsCertificateError`, so that the user reads
"expired" or "issued for another host" rather than "connection failed".
"""

from __future__ import annotations

import ssl
from collections.abc import Mapping
from typing import Final

import httpx

from ..errors import TlsCertificateError

__all__ = ["PROBLEMS", "certificate_error", "certificate_failure"]

#: OpenSSL's ``X509_V_ERR_*`` codes -> the problem reported (anything else: ``untrusted``).
PROBLEMS: Final[Mapping[int, str]] = {
    2: "missing-intermediate",  # UNABLE_TO_GET_ISSUER_CERT
    9: "not-yet-valid",  # CERT_NOT_YET_VALID
    10: "expired",  # CERT_HAS_EXPIRED
    18: "self-signed",  # DEPTH_ZERO_SELF_SIGNED_CERT
    19: "untrusted-root",  # SELF_SIGNED_CERT_IN_CHAIN
    20: "missing-intermediate",  # UNABLE_TO_GET_ISSUER_CERT_LOCALLY
    21: "missing-intermediate",  # UNABLE_TO_VERIFY_LEAF_SIGNATURE
    62: "wrong-host",  # HOSTNAME_MISMATCH
    64: "wrong-host",  # IP_ADDRESS_MISMATCH
}

_EXPLAINED: Final[Mapping[str, str]] = {
    "missing-intermediate": (
        "its issuer is unknown here: the server likely does not send the intermediate CA "
        "certificate with its own (or its CA is not one we trust)"
    ),
    "self-signed": "it is self-signed, not issued by a CA we trust",
    "untrusted-root": "its chain ends in a self-signed CA we do not trust",
    "expired": "it has expired",
    "not-yet-valid": "it is not valid yet",
    "wrong-host": "it was issued for other host names",
}


def certificate_failure(error: BaseException) -> ssl.SSLCertVerificationError | None:
    """The certificate verification failure under ``error`` (httpx wraps it), if any."""
    seen: set[int] = set()
    found: BaseException | None = error
    while found is not None and id(found) not in seen:
        if isinstance(found, ssl.SSLCertVerificationError):
            return found
        seen.add(id(found))
        found = found.__cause__ or found.__context__
    return None


def certificate_error(what: str, url: str, error: httpx.RequestError) -> TlsCertificateError | None:
    """``error`` as a :class:`TlsCertificateError` when a refused certificate caused it.

    ``what`` names the call in the message (``iias at <url>``).
    """
    failure = certificate_failure(error)
    if failure is None:
        return None
    code = failure.verify_code if isinstance(failure.verify_code, int) else 0
    said = failure.verify_message or failure.reason or str(failure)
    problem = PROBLEMS.get(code, "untrusted")
    host = httpx.URL(url).host
    why = _EXPLAINED.get(problem, "it is not trusted")
    return TlsCertificateError(
        f"{what}: the TLS certificate of {host} was refused ({problem}): {why} [OpenSSL: {said}]",
        problem=problem,
        verify_code=code,
        verify_message=said,
        host=host,
        url=url.partition("?")[0],
    )
