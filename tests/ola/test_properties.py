"""Invariants over generated LAs (hypothesis): kind symmetry, identity, proposal-id behaviour."""

from __future__ import annotations

import dataclasses
import re
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from ewp_client.codec import decode, encode
from ewp_client.models import (
    ChangesProposal,
    ComponentList,
    ComponentStatus,
    Credit,
    LaComponent,
    LasGetResponse,
    LearningAgreement,
    ListOfComponents,
    Signature,
    Student,
    TermId,
)
from ewp_client.ola import AmendmentKind, classify_amendment, proposal_id
from tests.ola.support import header

texts = st.text(
    alphabet=st.characters(codec="ascii", categories=("L", "N")), min_size=1, max_size=8
)

components = st.builds(
    LaComponent,
    title=texts,
    los_code=st.none() | texts,
    term_id=st.just(TermId(term_number=1, total_terms=2)),
    credits=st.tuples(
        st.builds(
            Credit,
            scheme=st.just("ects"),
            # lexical variants of one value (6, 6.0, 6.50...) are the same content
            value=st.integers(1, 30).map(Decimal)
            | st.decimals(min_value=Decimal("0.5"), max_value=Decimal(30), places=2)
            | st.integers(1, 30).map(lambda n: Decimal(f"{n}.0")),
        )
    ),
    status=st.sampled_from(ComponentStatus),
)
lists = st.none() | st.lists(components, max_size=3).map(
    lambda rows: ComponentList(components=tuple(rows))
)
#: One instant may be written in any offset; it is the same content.
offsets = st.sampled_from(
    [UTC, timezone(timedelta(hours=2)), timezone(-timedelta(hours=5, minutes=30))]
)
signatures = st.builds(
    Signature,
    signer_name=st.none() | texts,
    timestamp=st.tuples(
        st.datetimes(min_value=datetime(2020, 1, 1), max_value=datetime(2030, 1, 1)), offsets
    ).map(lambda p: p[0].replace(microsecond=0, tzinfo=UTC).astimezone(p[1])),
    signer_app=st.none() | texts,
)
proposals = st.builds(
    ChangesProposal,
    id=st.just("x"),
    components_studied=lists,
    components_recognized=lists,
    virtual_components=lists,
    student_signature=signatures,
    sending_hei_signature=signatures,
    student=st.none() | st.builds(Student, family_name=texts),
)
snapshots = st.none() | st.builds(
    ListOfComponents,
    components_studied=lists,
    virtual_components=lists,
    student_signature=signatures,
    sending_hei_signature=signatures,
    receiving_hei_signature=signatures,
)


@st.composite
def las(draw: st.DrawFn) -> LearningAgreement:
    base = header()
    return dataclasses.replace(
        base,
        start_date=draw(st.dates(date(2025, 1, 1), date(2027, 1, 1))),
        isced_f_code=draw(st.sampled_from(["0541", "0611"])),
        student=dataclasses.replace(
            base.student,
            given_names=draw(texts),
            email=draw(st.sampled_from(["a@x.org", "b@x.org"])),
        ),
        first_version=draw(snapshots),
        changes_proposal=draw(st.none() | proposals),
    )


@settings(max_examples=150, deadline=None)
@given(las(), las())
def test_classification_kind_is_symmetric(a: LearningAgreement, b: LearningAgreement) -> None:
    forward, backward = classify_amendment(a, b), classify_amendment(b, a)
    assert forward.kind is backward.kind
    assert len(forward.changes) == len(backward.changes)


def _round_trip(la: LearningAgreement, *, reformat: bool = False) -> LearningAgreement:
    """``la`` written by our codec, optionally re-prefixed and re-indented, and read back."""
    document = encode(LasGetResponse(las=(la,)))
    if reformat:
        document = _reformatted(document)
    return decode(document, LasGetResponse).las[0]


def _reformatted(document: bytes) -> bytes:
    """The same document with other prefixes (default namespace moved) and indentation."""
    text = etree.tostring(etree.fromstring(document), pretty_print=True).decode()
    text = text.replace("xmlns=", "xmlns:g=", 1)
    text = re.sub(r"<(/?)(?![a-z0-9]+:)([a-z-]+)", r"<\1g:\2", text)
    text = (
        text.replace("xmlns:trm=", "xmlns:t9=").replace("<trm:", "<t9:").replace("</trm:", "</t9:")
    )
    return text.encode()


@settings(max_examples=100, deadline=None)
@given(las())
def test_identical_documents_are_none(la: LearningAgreement) -> None:
    report = classify_amendment(la, _round_trip(la, reformat=True))
    assert (report.kind, report.changes) == (AmendmentKind.NONE, ())


@settings(max_examples=100, deadline=None)
@given(proposals)
def test_proposal_id_is_stable_under_reserialisation(proposal: ChangesProposal) -> None:
    la = dataclasses.replace(header(), changes_proposal=proposal)
    reread = _round_trip(la, reformat=True).changes_proposal
    assert reread is not None
    assert proposal_id(reread) == proposal_id(proposal)
    assert proposal_id(dataclasses.replace(proposal, id="another id")) == proposal_id(proposal)


@settings(max_examples=150, deadline=None)
@given(proposals, proposals)
def test_proposal_id_changes_iff_content_changes(a: ChangesProposal, b: ChangesProposal) -> None:
    same_content = dataclasses.replace(a, id="") == dataclasses.replace(b, id="")
    assert (proposal_id(a) == proposal_id(b)) == same_content


@settings(max_examples=100, deadline=None)
@given(proposals, st.sampled_from(["signature", "component", "student"]))
def test_any_single_content_change_gives_a_new_id(proposal: ChangesProposal, what: str) -> None:
    if what == "signature":
        sig = proposal.student_signature
        changed = dataclasses.replace(
            proposal,
            student_signature=dataclasses.replace(sig, signer_app=(sig.signer_app or "") + "x"),
        )
    elif what == "component":
        extra = ComponentList(components=(LaComponent(title="extra"),))
        table = proposal.components_studied
        rows = (
            extra
            if table is None
            else ComponentList(components=(*table.components, *extra.components))
        )
        changed = dataclasses.replace(proposal, components_studied=rows)
    else:
        old = proposal.student.family_name if proposal.student else ""
        changed = dataclasses.replace(proposal, student=Student(family_name=f"{old}x"))
    assert proposal_id(changed) != proposal_id(proposal)


def _padded(value: Decimal) -> Decimal:
    """The same number with one more trailing zero (``6`` -> ``6.0``, ``6.5`` -> ``6.50``)."""
    text = format(value, "f")
    return Decimal(text + ("0" if "." in text else ".0"))


def _lexical_variant(proposal: ChangesProposal, offset: timezone) -> ChangesProposal:
    def table(rows: ComponentList | None) -> ComponentList | None:
        if rows is None:
            return None
        return ComponentList(
            components=tuple(
                dataclasses.replace(
                    c,
                    credits=tuple(
                        dataclasses.replace(k, value=_padded(k.value)) for k in c.credits
                    ),
                )
                for c in rows.components
            )
        )

    def signed(sig: Signature) -> Signature:
        return dataclasses.replace(sig, timestamp=sig.timestamp.astimezone(offset))

    return dataclasses.replace(
        proposal,
        components_studied=table(proposal.components_studied),
        components_recognized=table(proposal.components_recognized),
        virtual_components=table(proposal.virtual_components),
        student_signature=signed(proposal.student_signature),
        sending_hei_signature=signed(proposal.sending_hei_signature),
    )


@settings(max_examples=100, deadline=None)
@given(proposals, offsets)
def test_lexical_variants_of_the_same_values_keep_the_id(
    proposal: ChangesProposal, offset: timezone
) -> None:
    variant = _lexical_variant(proposal, offset)
    assert variant == proposal  # the same content, written differently
    assert proposal_id(variant) == proposal_id(proposal)
