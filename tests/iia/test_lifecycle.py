"""The serving side's IIA lifecycle: delete, modify and revert, terminate."""

from __future__ import annotations

import dataclasses

import pytest

from ewp_client.codec import encode
from ewp_client.errors import IiaLifecycleError
from ewp_client.iia.hash import compute_iia_hashes
from ewp_client.iia.lifecycle import (
    IiaBook,
    IiaNotification,
    NotificationKind,
    ServedIia,
    Termination,
)
from ewp_client.models.iia import (
    CooperationConditions,
    Iia,
    IiaPartner,
    IiasGetResponse,
    MobilitiesPerYear,
    RecommendedLanguageSkill,
    StudentStudiesMobilitySpec,
)

CNR = IiaNotification(NotificationKind.IIA, "b.example", "a.example", "A-1")


def agreement(months: str = "5", *, iia_id: str = "A-1", partner_id: str | None = "B-1") -> Iia:
    mobility = StudentStudiesMobilitySpec(
        sending_hei_id="a.example",
        receiving_hei_id="b.example",
        receiving_first_academic_year_id="2024/2025",
        receiving_last_academic_year_id="2026/2027",
        mobilities_per_year=MobilitiesPerYear(value="2"),
        recommended_language_skills=(RecommendedLanguageSkill(language="en", cefr_level="B2"),),
        total_months_per_year=months,
        blended="false",
    )
    return Iia(
        partners=(
            IiaPartner(hei_id="a.example", iia_id=iia_id),
            IiaPartner(hei_id="b.example", iia_id=partner_id),
        ),
        in_effect=True,
        cooperation_conditions=CooperationConditions(student_studies=(mobility,)),
        iia_hash="0" * 64,
    )


def mutually_approved(iia: Iia | None = None) -> ServedIia:
    served = ServedIia.of(iia or agreement())
    approving = served.approve_partner_copy("p" * 64).state
    assert approving is not None
    state = approving.record_partner_approval(approving.iia_hash).state
    assert state is not None
    assert state.was_mutually_approved
    assert state.approved_as_served
    return state


def test_served_copy_declares_the_hash_the_kit_computes() -> None:
    state = ServedIia.of(agreement())
    (result,) = compute_iia_hashes(encode(IiasGetResponse(iias=(state.iia,))))
    assert result.sha256 == state.iia_hash == result.declared_hash


def test_an_iia_not_mutually_approved_is_deleted_everywhere_with_a_cnr() -> None:
    added = IiaBook().add(agreement())
    assert added.notifications == (CNR,)
    # Approved by the partner only: not yet mutual, so still deletable.
    book = added.book.step("A-1", lambda s: s.record_partner_approval(s.iia_hash)).book
    deleted = book.delete("A-1")
    assert deleted.notifications == (CNR,)
    assert deleted.book.get("A-1") is None
    assert "A-1" not in deleted.book.served
    with pytest.raises(IiaLifecycleError, match="never reused") as info:
        deleted.book.add(agreement())
    assert (info.value.iia_id, info.value.action, info.value.reason) == ("A-1", "add", "id-reused")
    with pytest.raises(IiaLifecycleError, match=r"no IIA 'A-1' is served \(deleted\)"):
        deleted.book.step("A-1", lambda s: s.modify(agreement("6")))


def test_a_mutually_approved_iia_is_not_deleted() -> None:
    book = IiaBook(served={"A-1": mutually_approved()})
    with pytest.raises(IiaLifecycleError, match="mutually approved: it may be modified") as info:
        book.delete("A-1")
    assert (info.value.action, info.value.reason) == ("delete", "mutually-approved")
    assert book.get("A-1") is not None


def test_modification_keeps_the_approved_snapshot_and_revert_restores_it() -> None:
    approved = mutually_approved()
    step = approved.modify(agreement("6"))
    modified = step.state
    assert modified is not None
    assert step.notifications == (CNR,)
    assert modified.iia_hash != approved.iia_hash
    assert not modified.approved_as_served
    assert modified.last_approved == approved.last_approved
    # The partner's approval names the old hash: it does not approve the modification.
    assert modified.partner_approved_hash == approved.iia_hash
    reverted = modified.revert()
    assert reverted.notifications == (CNR,)
    assert reverted.state is not None
    assert reverted.state.iia == approved.iia
    assert reverted.state.approved_as_served


def test_a_modification_approved_by_both_becomes_the_snapshot() -> None:
    modified = mutually_approved().modify(agreement("6")).state
    assert modified is not None
    again = modified.record_partner_approval(modified.iia_hash).state
    assert again is not None
    assert not again.approved_as_served
    settled = again.approve_partner_copy("q" * 64).state
    assert settled is not None
    assert settled.approved_as_served
    assert settled.last_approved is not None
    assert settled.last_approved.iia_hash == modified.iia_hash


def test_revert_needs_an_approved_version_and_a_modification_keeps_the_id() -> None:
    with pytest.raises(IiaLifecycleError, match="nothing to revert to"):
        ServedIia.of(agreement()).revert()
    with pytest.raises(IiaLifecycleError, match="keeps the IIA's iia-id 'A-1'"):
        mutually_approved().modify(agreement(iia_id="A-2"))


def test_approval_needs_a_mapped_iia_and_sends_an_approval_cnr() -> None:
    with pytest.raises(IiaLifecycleError, match="not mapped"):
        ServedIia.of(agreement(partner_id=None)).approve_partner_copy("p" * 64)
    step = ServedIia.of(agreement()).approve_partner_copy("p" * 64)
    assert step.notifications == (
        IiaNotification(NotificationKind.APPROVAL, "b.example", "a.example", "B-1"),
    )


def test_without_exchanges_a_mutually_approved_iia_is_terminated_as_a_whole() -> None:
    approved = mutually_approved()
    step = approved.terminate()
    assert step.termination is Termination.AS_A_WHOLE
    assert step.notifications == (CNR,)
    assert step.state is not None
    assert step.state.terminated_as_a_whole
    (result,) = compute_iia_hashes(encode(IiasGetResponse(iias=(step.state.iia,))))
    assert result.text_to_hash.startswith("_@terminated-as-a-whole@_")
    assert result.sha256 == step.state.iia_hash
    with pytest.raises(IiaLifecycleError, match="terminated as a whole, not by a modification"):
        approved.terminate(agreement("6"))


def test_after_exchanges_a_mutually_approved_iia_is_terminated_by_modification() -> None:
    approved = mutually_approved().record_exchange()
    with pytest.raises(IiaLifecycleError, match="terminate it by a modification"):
        approved.terminate()
    ending = agreement()
    mobility = dataclasses.replace(
        ending.cooperation_conditions.student_studies[0],
        receiving_last_academic_year_id="2024/2025",
    )
    ending = dataclasses.replace(
        ending, cooperation_conditions=CooperationConditions(student_studies=(mobility,))
    )
    step = approved.terminate(ending)
    assert step.termination is Termination.BY_MODIFICATION
    assert step.state is not None
    assert not step.state.terminated_as_a_whole
    assert step.state.last_approved == approved.last_approved
    flagged = dataclasses.replace(
        ending,
        cooperation_conditions=dataclasses.replace(
            ending.cooperation_conditions, terminated_as_a_whole=True
        ),
    )
    with pytest.raises(IiaLifecycleError, match="may not be terminated as a whole"):
        approved.terminate(flagged)


def test_an_iia_never_mutually_approved_is_deleted_not_terminated() -> None:
    with pytest.raises(IiaLifecycleError, match="delete it instead"):
        ServedIia.of(agreement()).terminate()


def flagged(iia: Iia, flag: bool | None = True) -> Iia:
    conditions = dataclasses.replace(iia.cooperation_conditions, terminated_as_a_whole=flag)
    return dataclasses.replace(iia, cooperation_conditions=conditions)


def test_terminated_as_a_whole_is_only_set_by_terminate() -> None:
    with pytest.raises(IiaLifecycleError) as new:
        ServedIia.of(flagged(agreement()))
    assert (new.value.action, new.value.reason) == ("serve", "terminated-flag")
    with pytest.raises(IiaLifecycleError) as book:
        IiaBook().add(flagged(agreement()))
    assert book.value.reason == "terminated-flag"
    for state in (ServedIia.of(agreement()), mutually_approved().record_exchange()):
        with pytest.raises(IiaLifecycleError) as modified:
            state.modify(flagged(agreement("6")))
        assert (modified.value.action, modified.value.reason) == ("modify", "terminated-flag")
    ended = mutually_approved().terminate().state
    assert ended is not None
    assert ended.terminated_as_a_whole
    # Once terminated, a modification may keep the flag.
    kept = ended.modify(flagged(agreement("6"))).state
    assert kept is not None
    assert kept.terminated_as_a_whole


def test_a_false_flag_is_never_served() -> None:
    # "If given MUST be set to true": false is served as no attribute at all.
    state = ServedIia.of(flagged(agreement(), False))
    assert state.iia.cooperation_conditions.terminated_as_a_whole is None
    assert b"terminated-as-a-whole" not in encode(IiasGetResponse(iias=(state.iia,)))
    modified = state.modify(flagged(agreement("6"), False)).state
    assert modified is not None
    assert modified.iia.cooperation_conditions.terminated_as_a_whole is None
