"""Inter-Institutional Agreements: the iia-hash (v7, and v6 for migration).

See :mod:`ewp_client.iia.hash` for how the official kit treats responses that
hold several IIAs.
"""

from .hash import IiaHash, compute_iia_hashes, kit_version, verify_iia_hashes
from .mismatch import mismatch_hints
from .text_to_hash import DocumentMarkers, FieldKind, HashedField, hashed_fields, render

__all__ = [
    "DocumentMarkers",
    "FieldKind",
    "HashedField",
    "IiaHash",
    "compute_iia_hashes",
    "hashed_fields",
    "kit_version",
    "mismatch_hints",
    "render",
    "verify_iia_hashes",
]
