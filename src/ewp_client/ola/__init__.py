"""Online Learning Agreements: amendment classification, proposals, lifecycle and stats.

All of it is pure: functions and immutable state over the models of
:mod:`ewp_client.models`, no I/O. The client operations (``client/``) and the
mock partner's routes call these.
"""

from .amendments import AmendmentKind, AmendmentReport, Change, ChangeTable, classify_amendment
from .edits import (
    MissingReasonWarning,
    UnexplainedChange,
    changes_proposal_between,
    latest_tables,
    unexplained_changes,
)
from .lifecycle import (
    LaChangeNotification,
    ProposalComment,
    SendingLa,
    Transition,
    VersionStatus,
    latest_version_status,
    mobility_type,
)
from .proposal import (
    ALLOWED_REASON_CODES,
    ChangeReason,
    ComponentTables,
    apply_changes,
    build_changes_proposal,
    canonical_proposal,
    current_tables,
    identity_changes,
    proposal_id,
)
from .stats import ReceivedLa, incoming_stats_response, stats_response

__all__ = [
    "ALLOWED_REASON_CODES",
    "AmendmentKind",
    "AmendmentReport",
    "Change",
    "ChangeReason",
    "ChangeTable",
    "ComponentTables",
    "LaChangeNotification",
    "MissingReasonWarning",
    "ProposalComment",
    "ReceivedLa",
    "SendingLa",
    "Transition",
    "UnexplainedChange",
    "VersionStatus",
    "apply_changes",
    "build_changes_proposal",
    "canonical_proposal",
    "changes_proposal_between",
    "classify_amendment",
    "current_tables",
    "identity_changes",
    "incoming_stats_response",
    "latest_tables",
    "latest_version_status",
    "mobility_type",
    "proposal_id",
    "stats_response",
    "unexplained_changes",
]
