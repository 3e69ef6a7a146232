"""Reads the official OLA example-scenario fragments into our models.

The fragments are illustrative: no namespace, several root elements per file,
``reason`` where the schema says ``reason-code``, arbitrary proposal ids. This
adapter is test code; the library never reads such documents.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from lxml import etree

from ewp_client.models import (
    ChangesProposal,
    ComponentList,
    ComponentStatus,
    LaComponent,
    ListOfComponents,
    ReasonCode,
    Signature,
    TermId,
)
from ewp_client.ola.proposal import TABLE_FIELDS


def _text(elem: etree._Element, name: str) -> str | None:
    child = elem.find(name)
    return None if child is None or child.text is None else " ".join(child.text.split())


def signature(elem: etree._Element) -> Signature:
    stamp = _text(elem, "timestamp")
    assert stamp is not None
    return Signature(
        signer_name=_text(elem, "signer-name"),
        signer_position=_text(elem, "signer-position"),
        signer_email=_text(elem, "signer-email"),
        timestamp=datetime.fromisoformat(stamp),
        signer_app=_text(elem, "signer-app"),
    )


def component(elem: etree._Element) -> LaComponent:
    term = elem.find("term-id")
    status = elem.get("status")
    reason = elem.get("reason") or elem.get("reason-code")
    title = _text(elem, "title")
    assert title is not None
    return LaComponent(
        title=title,
        term_id=None
        if term is None
        else TermId(
            term_number=int(_text(term, "term-number") or 0),
            total_terms=int(_text(term, "total-terms") or 0),
        ),
        short_description=_text(elem, "short-description"),
        status=None if status is None else ComponentStatus(status),
        reason_code=None if reason is None else ReasonCode(reason),
    )


def _lists(elem: etree._Element) -> dict[str, ComponentList | None]:
    out: dict[str, ComponentList | None] = {}
    for name in TABLE_FIELDS:
        table = elem.find(name.replace("_", "-"))
        out[name] = (
            None
            if table is None
            else ComponentList(components=tuple(component(c) for c in table.iter("component")))
        )
    return out


def snapshot(elem: etree._Element) -> ListOfComponents:
    receiving = elem.find("receiving-hei-signature")
    student = elem.find("student-signature")
    sending = elem.find("sending-hei-signature")
    assert student is not None
    assert sending is not None
    return ListOfComponents(
        **_lists(elem),
        student_signature=signature(student),
        sending_hei_signature=signature(sending),
        receiving_hei_signature=None if receiving is None else signature(receiving),
    )


def proposal(elem: etree._Element) -> ChangesProposal:
    base = snapshot(elem)
    fields = {name: getattr(base, name) for name in TABLE_FIELDS}
    return ChangesProposal(
        id=elem.get("id") or "",
        student_signature=base.student_signature,
        sending_hei_signature=base.sending_hei_signature,
        **fields,
    )


@dataclass(frozen=True, slots=True)
class Step:
    """One file of the scenario: what the sending HEI serves, or the update sent."""

    number: int
    name: str
    first_version: ListOfComponents | None = None
    approved_changes: ListOfComponents | None = None
    changes_proposal: ChangesProposal | None = None
    action: str | None = None  # "approve" | "comment"
    proposal_id: str | None = None
    comment: str | None = None
    signature: Signature | None = None


def read_step(path: Path) -> Step:
    # The fragments hold several top-level elements: parse them as children of one wrapper.
    body = path.read_text(encoding="utf-8")
    wrapper = etree.fromstring(f"<fragment>{body}</fragment>".encode())
    number = int(path.name[:2])
    kwargs: dict[str, object] = {}
    for elem in wrapper.iterchildren(etree.Element):
        tag = str(elem.tag)
        if tag == "first-version":
            kwargs["first_version"] = snapshot(elem)
        elif tag == "approved-changes":
            kwargs["approved_changes"] = snapshot(elem)
        elif tag == "changes-proposal":
            kwargs["changes_proposal"] = proposal(elem)
        elif tag in ("approve-proposal-v1", "comment-proposal-v1"):
            sig = elem.find("signature")
            assert sig is not None
            kwargs["action"] = "approve" if tag.startswith("approve") else "comment"
            kwargs["proposal_id"] = _text(elem, "changes-proposal-id")
            kwargs["comment"] = _text(elem, "comment")
            kwargs["signature"] = signature(sig)
        else:
            raise AssertionError(f"{path.name}: unexpected <{tag}>")
    return Step(number, path.name, **kwargs)  # type: ignore[arg-type]


def read_scenario(folder: Path) -> list[Step]:
    return [read_step(p) for p in sorted(folder.glob("[0-9][0-9]-*.part.xml"))]
