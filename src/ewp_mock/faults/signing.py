"""Sign an answer again after a fault changed its headers, with ewp_client's primitives.

The signature middleware signed the answer correctly; a scenario such as a
skewed clock or a badly formatted date needs a *valid* signature over a *wrong*
value (the partner signed what it sent). :func:`resign` replaces header values,
then signs the covered headers again with :func:`~ewp_client.security.signing_string`
and :func:`~ewp_client.security.sign_rsa_sha256`, the same code the
:class:`~ewp_client.security.ResponseSigner` runs.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from ewp_client.security import (
    SignatureParams,
    SigningKey,
    combine_headers,
    format_signature_params,
    parse_signature_params,
    sign_rsa_sha256,
    signing_string,
)

if TYPE_CHECKING:
    from .exchange import Exchange

__all__ = ["resign"]


def resign(
    exchange: Exchange,
    key: SigningKey,
    *,
    values: Mapping[str, str | None],
    covered: Sequence[str] | None = None,
    key_id: str | None = None,
) -> None:
    """Set ``values`` (``None`` removes), then sign ``covered`` (default: what was signed and
    is still there) with ``key``, its keyId ``key_id`` when given. An unsigned answer is
    left as it is."""
    signature = exchange.header("signature")
    if signature is None:
        return
    params = parse_signature_params(signature)
    for name, value in values.items():
        exchange.set_header(name, value)
    present = combine_headers(exchange.headers)
    names = list(covered) if covered is not None else list(params.headers)
    names = [n for n in names if n in present and n != "signature"]
    signed = sign_rsa_sha256(key.private_key, signing_string(names, present))
    exchange.set_header(
        "signature",
        format_signature_params(
            SignatureParams(
                key_id=key_id or key.key_id,
                algorithm=params.algorithm,
                headers=tuple(names),
                signature=signed,
            )
        ),
    )
