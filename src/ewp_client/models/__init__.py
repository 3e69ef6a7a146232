"""Typed models of EWP messages: plain frozen dataclasses, no XML logic.

How each field appears in XML is recorded in its ``dataclasses.field``
metadata (:mod:`._meta`) and read by :mod:`ewp_client.codec`, which turns
documents into these models and back.
"""

from .common import (
    AnyElement,
    ErrorResponse,
    Gender,
    MultilineStringWithOptionalLang,
    PhoneNumber,
    StringWithOptionalLang,
    TermId,
    UnknownEnumValue,
)
from .echo import EchoResponse
from .la import (
    ChangesProposal,
    ComponentList,
    ComponentStatus,
    ContactPerson,
    Credit,
    LaComponent,
    LanguageSkill,
    LasGetResponse,
    LearningAgreement,
    ListOfComponents,
    MobilityInstitution,
    ReasonCode,
    Signature,
    Student,
)
from .la_cnr import IncomingLaStats, LaCnrResponse, LaCnrStatsResponse
from .la_index import LasIndexResponse
from .la_stats import LasStatsResponse, OutgoingLaStats
from .la_update import (
    ApproveProposalV1,
    CommentProposalV1,
    LasUpdateRequest,
    LasUpdateResponse,
    LaUpdateAction,
)

__all__ = [
    "AnyElement",
    "ApproveProposalV1",
    "ChangesProposal",
    "CommentProposalV1",
    "ComponentList",
    "ComponentStatus",
    "ContactPerson",
    "Credit",
    "EchoResponse",
    "ErrorResponse",
    "Gender",
    "IncomingLaStats",
    "LaCnrResponse",
    "LaCnrStatsResponse",
    "LaComponent",
    "LaUpdateAction",
    "LanguageSkill",
    "LasGetResponse",
    "LasIndexResponse",
    "LasStatsResponse",
    "LasUpdateRequest",
    "LasUpdateResponse",
    "LearningAgreement",
    "ListOfComponents",
    "MobilityInstitution",
    "MultilineStringWithOptionalLang",
    "OutgoingLaStats",
    "PhoneNumber",
    "ReasonCode",
    "Signature",
    "StringWithOptionalLang",
    "Student",
    "TermId",
    "UnknownEnumValue",
]
