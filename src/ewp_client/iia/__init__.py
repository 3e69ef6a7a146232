"""Inter-Institutional Agreements: the iia-hash (v7, and v6 for migration), diff and
comparison of copies, migration of v6 approvals, the serving side's lifecycle, and
our copies of the IIAs partners serve (refreshed on their CNRs).

See :mod:`ewp_client.iia.hash` for how the official kit treats responses that
hold several IIAs.
"""

from typing import TYPE_CHECKING

from .._lazy import lazy_attributes
from .approval import (
    ApprovalRecord,
    ApprovalState,
    PartnerApproval,
    approval_status,
    approve,
    check_approvable,
)
from .compare import Disagreement, IiaComparison, compare_copies, compare_iias, select_copy
from .diff import FieldChange, IiaDiff, diff_iia_hashes, diff_iias, field_paths, select_iia
from .hash import IiaHash, compute_iia_hashes, kit_version, verify_iia_hashes
from .lifecycle import (
    ApprovedVersion,
    BookTransition,
    IiaBook,
    IiaNotification,
    IiaTransition,
    NotificationKind,
    ServedIia,
    Termination,
    served_hash,
)
from .migration import V6ApprovalCheck, check_v6_approval, v6_approval_hash
from .mismatch import mismatch_hints
from .text_to_hash import DocumentMarkers, FieldKind, HashedField, hashed_fields, render

__all__ = [
    "ApprovalRecord",
    "ApprovalState",
    "ApprovedSnapshot",
    "ApprovedVersion",
    "BookTransition",
    "CopiesRefresh",
    "CopyAnomaly",
    "CopyApproval",
    "CopyChange",
    "CopyChangeKind",
    "DeletedCopy",
    "Disagreement",
    "DocumentMarkers",
    "FieldChange",
    "FieldKind",
    "HashedField",
    "IiaBook",
    "IiaComparison",
    "IiaDiff",
    "IiaHash",
    "IiaNotification",
    "IiaTransition",
    "NotificationKind",
    "PartnerApproval",
    "PartnerCopies",
    "PartnerCopy",
    "ServedIia",
    "Termination",
    "V6ApprovalCheck",
    "approval_status",
    "approve",
    "check_approvable",
    "check_v6_approval",
    "compare_copies",
    "compare_iias",
    "compute_iia_hashes",
    "copy_of",
    "diff_iia_hashes",
    "diff_iias",
    "field_paths",
    "hashed_fields",
    "kit_version",
    "mismatch_hints",
    "render",
    "select_copy",
    "select_iia",
    "served_hash",
    "v6_approval_hash",
    "verify_iia_hashes",
]

if TYPE_CHECKING:
    from .partner_copies import (
        ApprovedSnapshot,
        CopiesRefresh,
        CopyAnomaly,
        CopyApproval,
        CopyChange,
        CopyChangeKind,
        DeletedCopy,
        PartnerCopies,
        PartnerCopy,
        copy_of,
    )

# Partner copies read fetched answers (``client.iias``), which pulls in httpx:
# imported on first use, so the server half stays free of an HTTP client.
__getattr__, __dir__ = lazy_attributes(
    __name__,
    globals(),
    {
        name: ".partner_copies"
        for name in [
            "ApprovedSnapshot",
            "CopiesRefresh",
            "CopyAnomaly",
            "CopyApproval",
            "CopyChange",
            "CopyChangeKind",
            "DeletedCopy",
            "PartnerCopies",
            "PartnerCopy",
            "copy_of",
        ]
    },
)
