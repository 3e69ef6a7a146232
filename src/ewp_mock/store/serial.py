"""How the store writes objects: the EWP XML the fixtures use, and small JSON for the rest.

Every protocol object is kept as the document the node would serve or fetch
(an IIA as an ``iias-get-response`` holding it alone, an LA as an
``omobility-las-get-response``, an institution as an ``institutions-response``,
...), written by :func:`ewp_client.codec.encode` (schema-checked) and read by
:func:`ewp_client.codec.decode` (parsed hardened and validated again). What
EWP has no element for (an approval record, a rejection comment, the flags of
a served IIA) is a JSON object of plain fields. Nothing is pickled: a row can
be read with the ``sqlite3`` shell and a schema change is a matter of SQL.

Reading decodes the same bytes again and again (``las_of`` on every request),
so decoding is memoised on the exact bytes: the models are frozen values, and
equal bytes decode to equal objects.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping
from datetime import datetime
from functools import lru_cache
from typing import Any, TypeVar, cast

from ewp_client.codec import decode, encode
from ewp_client.iia import ApprovalRecord
from ewp_client.models import (
    Factsheet,
    FactsheetResponse,
    Iia,
    IiasGetResponse,
    Institution,
    InstitutionsResponse,
    LasGetResponse,
    LearningAgreement,
    OrganizationalUnit,
    OunitsResponse,
)
from ewp_client.models.la import Signature, Student
from ewp_client.ola import ProposalComment

__all__ = [
    "approval_from_json",
    "approval_to_json",
    "comment_from_json",
    "comment_to_json",
    "decode_factsheet",
    "decode_iia",
    "decode_institution",
    "decode_la",
    "decode_ounits",
    "decode_student",
    "encode_factsheet",
    "encode_iia",
    "encode_institution",
    "encode_la",
    "encode_ounits",
    "encode_student",
]

D = TypeVar("D")

#: Decoded documents kept by their bytes (a mock node holds a few hundred objects).
_CACHE_SIZE = 4096


@lru_cache(maxsize=_CACHE_SIZE)
def _decoded(data: bytes, model: str) -> Any:
    return decode(data, _MODELS[model])


def _decode(data: bytes, model: type[D]) -> D:
    return cast(D, _decoded(bytes(data), model.__name__))


def encode_iia(iia: Iia) -> bytes:
    return encode(IiasGetResponse(iias=(iia,)))


def decode_iia(data: bytes) -> Iia:
    return _decode(data, IiasGetResponse).iias[0]


def encode_la(la: LearningAgreement) -> bytes:
    return encode(LasGetResponse(las=(la,)))


def decode_la(data: bytes) -> LearningAgreement:
    return _decode(data, LasGetResponse).las[0]


def encode_student(la: LearningAgreement, student: Student) -> bytes:
    """``student`` (the data of an LA's last approval) inside a copy of ``la``.

    EWP has no document of a student alone; the LA around it keeps it schema-checked.
    """
    return encode_la(dataclasses.replace(la, student=student))


def decode_student(data: bytes) -> Student:
    return decode_la(data).student


def encode_institution(institution: Institution) -> bytes:
    return encode(InstitutionsResponse(heis=(institution,)))


def decode_institution(data: bytes) -> Institution:
    return _decode(data, InstitutionsResponse).heis[0]


def encode_ounits(ounits: tuple[OrganizationalUnit, ...]) -> bytes:
    return encode(OunitsResponse(ounits=ounits))


def decode_ounits(data: bytes) -> tuple[OrganizationalUnit, ...]:
    return tuple(_decode(data, OunitsResponse).ounits)


def encode_factsheet(factsheet: Factsheet) -> bytes:
    return encode(FactsheetResponse(factsheets=(factsheet,)))


def decode_factsheet(data: bytes) -> Factsheet:
    return _decode(data, FactsheetResponse).factsheets[0]


_MODELS: dict[str, type[Any]] = {
    m.__name__: m
    for m in (
        IiasGetResponse,
        LasGetResponse,
        InstitutionsResponse,
        OunitsResponse,
        FactsheetResponse,
    )
}


# ---------------------------------------------------------------------- JSON


def _dumps(value: Mapping[str, Any]) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"))


def approval_to_json(record: ApprovalRecord) -> str:
    return _dumps(
        {
            "partner_hei_id": record.partner_hei_id,
            "iia_id": record.iia_id,
            "iia_hash": record.iia_hash,
            "our_iia_id": record.our_iia_id,
            "pdf_file": record.pdf_file,
        }
    )


def approval_from_json(text: str) -> ApprovalRecord:
    data = json.loads(text)
    return ApprovalRecord(
        partner_hei_id=data["partner_hei_id"],
        iia_id=data["iia_id"],
        iia_hash=data["iia_hash"],
        our_iia_id=data["our_iia_id"],
        pdf_file=data["pdf_file"],
    )


def comment_to_json(comment: ProposalComment) -> str:
    signature = comment.signature
    return _dumps(
        {
            "proposal_id": comment.proposal_id,
            "comment": comment.comment,
            "signature": {
                "signer_name": signature.signer_name,
                "signer_position": signature.signer_position,
                "signer_email": signature.signer_email,
                "timestamp": signature.timestamp.isoformat(),
                "signer_app": signature.signer_app,
            },
        }
    )


def comment_from_json(text: str) -> ProposalComment:
    data = json.loads(text)
    signature = data["signature"]
    return ProposalComment(
        data["proposal_id"],
        data["comment"],
        Signature(
            signer_name=signature["signer_name"],
            signer_position=signature["signer_position"],
            signer_email=signature["signer_email"],
            timestamp=datetime.fromisoformat(signature["timestamp"]),
            signer_app=signature["signer_app"],
        ),
    )
