"""``dataset.toml``: the HEIs, units and contacts of a fixture directory, and the state XML lacks.

The EWP documents of IIAs and LAs hold what the APIs serve; what they do not
hold is kept here: whether each side approved an IIA, the IIA ids retired,
the approvals a HEI's IIA Approval API serves, the receiving HEI's comment
on a rejected LA proposal (on the sending HEI's record, and which proposal
of a received LA a HEI commented). Every key is described in ``docs/mock-data.md``.

:func:`read_dataset_file` turns the file into :class:`DatasetFile` (refusing
unknown keys and wrong types with a :class:`~ewp_client.errors.FixtureError`
naming the key); :func:`render_dataset_file` writes one back.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Final, TypeVar

from ewp_client.errors import FixtureError
from ewp_client.iia import ApprovalRecord
from ewp_client.models import (
    Contact,
    Gender,
    HttpWithOptionalLang,
    Institution,
    MultilineStringWithOptionalLang,
    OrganizationalUnit,
    OtherHeiId,
    PhoneNumber,
    Signature,
    StringWithOptionalLang,
)

from .toml_writer import TableArray, Value, dumps

__all__ = [
    "DATASET_FILE",
    "DatasetFile",
    "HeiEntry",
    "IiaState",
    "LaComment",
    "ReceivedComment",
    "read_dataset_file",
    "render_dataset_file",
]

#: The name of the TOML file in a fixture directory.
DATASET_FILE: Final = "dataset.toml"

_HASH: Final = re.compile(r"[0-9a-f]{64}")
_TOML_LINE: Final = re.compile(r"at line (\d+)")

L = TypeVar("L", bound=StringWithOptionalLang)


@dataclass(frozen=True, kw_only=True, slots=True)
class IiaState:
    """The approval state of one served IIA (``[[hei.iia]]``); absent: never approved."""

    iia_id: str
    partner_approved_hash: str | None = None
    approved_partner_hash: str | None = None
    exchanges_took_place: bool = False
    last_approved_partner_hash: str | None = None


@dataclass(frozen=True, kw_only=True, slots=True)
class LaComment:
    """The receiving HEI's comment on an LA's current proposal (``[[hei.la-comment]]``)."""

    omobility_id: str
    proposal_id: str
    comment: str
    signature: Signature


@dataclass(frozen=True, kw_only=True, slots=True)
class ReceivedComment:
    """The proposal of a received LA this HEI commented (``[[hei.received-la-comment]]``)."""

    sending_hei_id: str
    omobility_id: str
    proposal_id: str


@dataclass(frozen=True, kw_only=True, slots=True)
class HeiEntry:
    """One ``[[hei]]``: the institution (its ``ounit_ids`` are the units'), units and state."""

    institution: Institution
    ounits: tuple[OrganizationalUnit, ...] = ()
    retired_iia_ids: tuple[str, ...] = ()
    iia_states: tuple[IiaState, ...] = ()
    approvals: tuple[ApprovalRecord, ...] = ()
    la_comments: tuple[LaComment, ...] = ()
    received_comments: tuple[ReceivedComment, ...] = ()


@dataclass(frozen=True, kw_only=True, slots=True)
class DatasetFile:
    """The whole file: the served HEIs and the ``partners`` the data may name."""

    heis: tuple[HeiEntry, ...] = ()
    partners: tuple[str, ...] = ()


# ---------------------------------------------------------------------- reading


class _Table:
    """One TOML table being read: typed getters, and a check that every key was known."""

    def __init__(self, path: str, where: str, data: Mapping[str, object]):
        self.path = path
        self.where = where
        self.data = data
        self.used: set[str] = set()

    def fail(self, message: str, problem: str = "invalid-value") -> FixtureError:
        return FixtureError(
            f"{self.path}: {self.where}: {message}", path=self.path, problem=problem
        )

    def _get(self, key: str, kind: type | tuple[type, ...], what: str) -> object:
        self.used.add(key)
        value = self.data.get(key)
        if value is not None and not isinstance(value, kind):
            raise self.fail(f"{key!r} must be {what}, not {type(value).__name__}")
        return value

    def text(self, key: str) -> str | None:
        value = self._get(key, str, "a string")
        assert value is None or isinstance(value, str)
        return value

    def required(self, key: str) -> str:
        value = self.text(key)
        if value is None or not value.strip():
            raise self.fail(f"{key!r} is required (a non-empty string)")
        return value

    def texts(self, key: str) -> tuple[str, ...]:
        values = self._get(key, list, "an array of strings") or []
        assert isinstance(values, list)
        if not all(isinstance(v, str) for v in values):
            raise self.fail(f"{key!r} must be an array of strings")
        return tuple(values)

    def flag(self, key: str) -> bool:
        value = self._get(key, bool, "true or false")
        return bool(value)

    def integer(self, key: str) -> int | None:
        value = self._get(key, int, "an integer")
        if isinstance(value, bool):
            raise self.fail(f"{key!r} must be an integer")
        assert value is None or isinstance(value, int)
        return value

    def moment(self, key: str) -> datetime:
        value = self._get(key, datetime, "a date-time with an offset (2026-03-06T10:00:00Z)")
        if not isinstance(value, datetime) or value.tzinfo is None:
            raise self.fail(f"{key!r} is required: a date-time with an offset")
        return value

    def hash(self, key: str) -> str | None:
        value = self.text(key)
        if value is not None and not _HASH.fullmatch(value):
            raise self.fail(f"{key!r} must be a SHA-256 in lower-case hex (64 characters)")
        return value

    def localized(self, key: str, model: type[L], *, required: bool = False) -> tuple[L, ...]:
        """A list of texts, each a string or ``{ text = "...", lang = "en" }``."""
        values = self._get(key, list, "an array") or []
        assert isinstance(values, list)
        out = []
        for value in values:
            if isinstance(value, str):
                out.append(model(value=value))
            elif isinstance(value, dict) and set(value) <= {"text", "lang"}:
                text, lang = value.get("text"), value.get("lang")
                if not isinstance(text, str) or not isinstance(lang, str | None):
                    raise self.fail(f"{key!r}: each entry is a string or {{ text, lang }}")
                out.append(model(value=text, lang=lang))
            else:
                raise self.fail(f"{key!r}: each entry is a string or {{ text, lang }}")
        if required and not out:
            raise self.fail(f"{key!r} is required (at least one name)")
        return tuple(out)

    def tables(self, key: str) -> list[_Table]:
        values = self._get(key, list, f"an array of tables ([[{key}]])") or []
        assert isinstance(values, list)
        if not all(isinstance(v, dict) for v in values):
            raise self.fail(f"{key!r} must be an array of tables ([[{key}]])")
        return [
            _Table(self.path, f"{self.where} > {key} #{n}", v)
            for n, v in enumerate(values, start=1)
        ]

    def finish(self) -> None:
        unknown = sorted(set(self.data) - self.used)
        if unknown:
            raise self.fail(f"unknown key(s) {', '.join(map(repr, unknown))}")


def _phones(table: _Table, key: str) -> tuple[PhoneNumber, ...]:
    values = table._get(key, list, "an array") or []
    assert isinstance(values, list)
    out = []
    for value in values:
        if isinstance(value, str):
            out.append(PhoneNumber(e164=value))
        elif isinstance(value, dict) and set(value) <= {"e164", "ext", "other-format"}:
            if not all(isinstance(v, str) for v in value.values()):
                raise table.fail(f"{key!r}: phone fields are strings")
            out.append(
                PhoneNumber(
                    e164=value.get("e164"),
                    ext=value.get("ext"),
                    other_format=value.get("other-format"),
                )
            )
        else:
            raise table.fail(f"{key!r}: each entry is an E.164 string or {{ e164, ext, ... }}")
    return tuple(out)


def _contact(table: _Table) -> Contact:
    gender = table.integer("gender")
    try:
        person_gender = None if gender is None else Gender(gender)
    except ValueError:
        raise table.fail(f"'gender' {gender} is not an ISO/IEC 5218 code (0, 1, 2, 9)") from None
    contact = Contact(
        contact_names=table.localized("names", StringWithOptionalLang, required=True),
        person_given_names=table.localized("given-names", StringWithOptionalLang),
        person_family_names=table.localized("family-names", StringWithOptionalLang),
        person_gender=person_gender,
        phone_numbers=_phones(table, "phones"),
        fax_numbers=_phones(table, "faxes"),
        emails=table.texts("emails"),
        role_descriptions=table.localized("roles", MultilineStringWithOptionalLang),
    )
    table.finish()
    return contact


def _ounit(table: _Table) -> OrganizationalUnit:
    unit = OrganizationalUnit(
        ounit_id=table.required("id"),
        ounit_code=table.required("code"),
        names=table.localized("names", StringWithOptionalLang, required=True),
        abbreviation=table.text("abbreviation"),
        parent_ounit_id=table.text("parent"),
        website_urls=table.localized("websites", HttpWithOptionalLang),
        logo_url=table.text("logo-url"),
        contacts=tuple(_contact(t) for t in table.tables("contact")),
    )
    table.finish()
    return unit


def _other_ids(table: _Table) -> tuple[OtherHeiId, ...]:
    out = []
    for entry in table.tables("other-id"):
        out.append(OtherHeiId(type=entry.required("type"), value=entry.required("value")))
        entry.finish()
    return tuple(out)


def _iia_state(table: _Table) -> IiaState:
    state = IiaState(
        iia_id=table.required("id"),
        partner_approved_hash=table.hash("partner-approved-hash"),
        approved_partner_hash=table.hash("approved-partner-hash"),
        exchanges_took_place=table.flag("exchanges-took-place"),
        last_approved_partner_hash=table.hash("last-approved-partner-hash"),
    )
    table.finish()
    return state


def _approval(table: _Table) -> ApprovalRecord:
    iia_hash = table.hash("iia-hash")
    if iia_hash is None:
        raise table.fail("'iia-hash' is required")
    record = ApprovalRecord(
        partner_hei_id=table.required("partner-hei"),
        iia_id=table.required("partner-iia-id"),
        iia_hash=iia_hash,
        our_iia_id=table.text("iia-id"),
        pdf_file=table.text("pdf-file"),
    )
    table.finish()
    return record


def _la_comment(table: _Table) -> LaComment:
    comment = LaComment(
        omobility_id=table.required("omobility-id"),
        proposal_id=table.required("proposal-id"),
        comment=table.required("comment"),
        signature=Signature(
            signer_name=table.text("signer-name"),
            signer_position=table.text("signer-position"),
            signer_email=table.text("signer-email"),
            timestamp=table.moment("timestamp"),
            signer_app=table.text("signer-app"),
        ),
    )
    table.finish()
    return comment


def _received_comment(table: _Table) -> ReceivedComment:
    comment = ReceivedComment(
        sending_hei_id=table.required("sending-hei"),
        omobility_id=table.required("omobility-id"),
        proposal_id=table.required("proposal-id"),
    )
    table.finish()
    return comment


def hei_entry(table: _Table) -> HeiEntry:
    """One ``[[hei]]`` table read into models."""
    hei_id = table.required("id")
    ounits = tuple(_ounit(t) for t in table.tables("ounit"))
    institution = Institution(
        hei_id=hei_id,
        other_ids=_other_ids(table),
        names=table.localized("names", StringWithOptionalLang, required=True),
        abbreviation=table.text("abbreviation"),
        website_urls=table.localized("websites", HttpWithOptionalLang),
        logo_url=table.text("logo-url"),
        contacts=tuple(_contact(t) for t in table.tables("contact")),
        root_ounit_id=table.text("root-ounit"),
        ounit_ids=tuple(u.ounit_id for u in ounits),
    )
    entry = HeiEntry(
        institution=institution,
        ounits=ounits,
        retired_iia_ids=table.texts("retired-iia-ids"),
        iia_states=tuple(_iia_state(t) for t in table.tables("iia")),
        approvals=tuple(_approval(t) for t in table.tables("approval")),
        la_comments=tuple(_la_comment(t) for t in table.tables("la-comment")),
        received_comments=tuple(_received_comment(t) for t in table.tables("received-la-comment")),
    )
    table.finish()
    return entry


def read_dataset_file(path: Path) -> DatasetFile:
    """``path`` read and checked key by key (references between entries are checked later)."""
    name = str(path)
    try:
        text = path.read_text("utf-8")
    except OSError as exc:
        raise FixtureError(
            f"{name}: cannot read: {exc.strerror or exc}", path=name, problem="unreadable"
        ) from exc
    except UnicodeDecodeError as exc:
        raise FixtureError(
            f"{name}: not UTF-8 text: {exc}", path=name, problem="malformed"
        ) from exc
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        found = _TOML_LINE.search(str(exc))
        line = int(found.group(1)) if found else None
        where = name if line is None else f"{name}:{line}"
        raise FixtureError(
            f"{where}: not valid TOML: {exc}", path=name, problem="malformed", line=line
        ) from exc
    top = _Table(name, "top level", data)
    result = DatasetFile(
        heis=tuple(hei_entry(t) for t in top.tables("hei")),
        partners=top.texts("partners"),
    )
    top.finish()
    return result


# ---------------------------------------------------------------------- writing


def _texts(values: Sequence[StringWithOptionalLang]) -> list[Value] | None:
    if not values:
        return None
    return [v.value if v.lang is None else {"text": v.value, "lang": v.lang} for v in values]


def _phone_values(values: Sequence[PhoneNumber]) -> list[Value] | None:
    out: list[Value] = []
    for p in values:
        if p.e164 is not None and p.ext is None and p.other_format is None:
            out.append(p.e164)
        else:
            fields = {"e164": p.e164, "ext": p.ext, "other-format": p.other_format}
            out.append({k: v for k, v in fields.items() if v is not None})
    return out or None


def _contact_table(contact: Contact) -> dict[str, Value]:
    gender = contact.person_gender
    return {
        "names": _texts(contact.contact_names),
        "given-names": _texts(contact.person_given_names),
        "family-names": _texts(contact.person_family_names),
        "gender": None if gender is None else int(gender),
        "phones": _phone_values(contact.phone_numbers),
        "faxes": _phone_values(contact.fax_numbers),
        "emails": list(contact.emails) or None,
        "roles": _texts(contact.role_descriptions),
    }


def _contacts(contacts: Sequence[Contact]) -> TableArray | None:
    return TableArray(_contact_table(c) for c in contacts) or None


def _ounit_table(unit: OrganizationalUnit) -> dict[str, Value]:
    return {
        "id": unit.ounit_id,
        "code": unit.ounit_code,
        "names": _texts(unit.names),
        "abbreviation": unit.abbreviation,
        "parent": unit.parent_ounit_id,
        "websites": _texts(unit.website_urls),
        "logo-url": unit.logo_url,
        "contact": _contacts(unit.contacts),
    }


def _iia_state_table(state: IiaState) -> dict[str, Value]:
    return {
        "id": state.iia_id,
        "partner-approved-hash": state.partner_approved_hash,
        "approved-partner-hash": state.approved_partner_hash,
        "exchanges-took-place": state.exchanges_took_place or None,
        "last-approved-partner-hash": state.last_approved_partner_hash,
    }


def _approval_table(record: ApprovalRecord) -> dict[str, Value]:
    return {
        "partner-hei": record.partner_hei_id,
        "partner-iia-id": record.iia_id,
        "iia-hash": record.iia_hash,
        "iia-id": record.our_iia_id,
        "pdf-file": record.pdf_file,
    }


def _comment_table(comment: LaComment) -> dict[str, Value]:
    signature = comment.signature
    return {
        "omobility-id": comment.omobility_id,
        "proposal-id": comment.proposal_id,
        "comment": comment.comment,
        "signer-name": signature.signer_name,
        "signer-position": signature.signer_position,
        "signer-email": signature.signer_email,
        "timestamp": signature.timestamp,
        "signer-app": signature.signer_app,
    }


def hei_table(entry: HeiEntry) -> dict[str, Value]:
    """One ``[[hei]]`` table for ``entry`` (fields the format lacks are not written)."""
    institution = entry.institution
    other_ids = TableArray({"type": o.type, "value": o.value} for o in institution.other_ids)
    return {
        "id": institution.hei_id,
        "names": _texts(institution.names),
        "abbreviation": institution.abbreviation,
        "websites": _texts(institution.website_urls),
        "logo-url": institution.logo_url,
        "root-ounit": institution.root_ounit_id,
        "retired-iia-ids": list(entry.retired_iia_ids) or None,
        "other-id": other_ids or None,
        "contact": _contacts(institution.contacts),
        "ounit": TableArray(_ounit_table(u) for u in entry.ounits) or None,
        "iia": TableArray(_iia_state_table(s) for s in entry.iia_states) or None,
        "approval": TableArray(_approval_table(r) for r in entry.approvals) or None,
        "la-comment": TableArray(_comment_table(c) for c in entry.la_comments) or None,
        "received-la-comment": TableArray(
            {
                "sending-hei": c.sending_hei_id,
                "omobility-id": c.omobility_id,
                "proposal-id": c.proposal_id,
            }
            for c in entry.received_comments
        )
        or None,
    }


def reread_hei_table(table: Mapping[str, Value], path: str) -> HeiEntry:
    """``table`` (as :func:`hei_table` made it) read back, as the loader would read it."""
    plain = tomllib.loads(dumps({"hei": TableArray([table])}))
    (entry,) = (hei_entry(t) for t in _Table(path, "top level", plain).tables("hei"))
    return entry


def render_dataset_file(content: DatasetFile) -> str:
    """The TOML text of ``content``."""
    document: dict[str, Value] = {
        "partners": list(content.partners) or None,
        "hei": TableArray(hei_table(e) for e in content.heis),
    }
    return dumps(
        document,
        header=(
            "The HEIs this mock node serves, their organisational units and contacts, and the",
            "state of their IIAs and LAs that the XML files do not hold. See docs/mock-data.md.",
        ),
    )
