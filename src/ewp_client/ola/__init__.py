"""Online Learning Agreements: amendment classification, proposals, lifecycle, stats,
and the receiving side's copies of incoming LAs.

All of it is pure: functions and immutable state over the models of
:mod:`ewp_client.models`, no I/O. The client operations (``client/``) and the
mock partner's routes call these.
"""

from .amendments import AmendmentKind, AmendmentReport, Change, ChangeTable, classify_amendment
from .contacts import (
    LaSide,
    StudentFlow,
    contact_flows,
    contacts_serving,
    la_contact_person,
    mobility_institution,
    role_description,
)
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
from .received import (
    LaCopyChange,
    LaCopyChangeKind,
    LaCopyRefresh,
    LaVersionEvent,
    ReceivedLaCopies,
    ReceivedLaCopy,
    version_events,
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
    "LaCopyChange",
    "LaCopyChangeKind",
    "LaCopyRefresh",
    "LaSide",
    "LaVersionEvent",
    "MissingReasonWarning",
    "ProposalComment",
    "ReceivedLa",
    "ReceivedLaCopies",
    "ReceivedLaCopy",
    "SendingLa",
    "StudentFlow",
    "Transition",
    "UnexplainedChange",
    "VersionStatus",
    "apply_changes",
    "build_changes_proposal",
    "canonical_proposal",
    "changes_proposal_between",
    "classify_amendment",
    "contact_flows",
    "contacts_serving",
    "current_tables",
    "identity_changes",
    "incoming_stats_response",
    "la_contact_person",
    "latest_tables",
    "latest_version_status",
    "mobility_institution",
    "mobility_type",
    "proposal_id",
    "role_description",
    "stats_response",
    "unexplained_changes",
    "version_events",
]
