"""A partner that applies our LA approval and answers 409, and what the client says about it.

We are ``uni-b.example.org``, the receiving HEI of the learning agreement
``la-changes-pending`` that ``uni-a.example.org`` (the mock) sends; it
awaits our approval of a changes proposal. With the
``la-update-409-conflict`` scenario the partner applies our approval and
answers ``409 Conflict`` all the same (as a duplicate request overwriting a
success would). Our client re-reads the LA after a 409, finds our approval
recorded, and raises :class:`~ewp_client.AlreadyApplied` (a
:class:`~ewp_client.LaUpdateError`: nothing to send again). Its ``error`` is
the :class:`~ewp_client.EditConflict` naming the known problem, with the
partner's status and user message.

Then the partner is reset through its control API (its data back as it
started), the scenario switched off, and the same approval, by a new client,
succeeds. (The first client would warn that the approval it saw is gone: it
remembers what it read, and a reset is not something a real partner does.)

Run: ``python examples/known_issue_ola_update.py`` (needs the ``[mock]`` extra)
"""

from __future__ import annotations

from datetime import UTC, datetime

from ewp_client import LasClient, LaUpdateError, PartnerError, Signer
from ewp_client.known_issues import known_issue_of
from ewp_mock.testing import Partner

SCENARIO = "la-update-409-conflict"
PARTNER = "uni-a.example.org"  # the sending HEI, served by the mock partner
LA = "la-changes-pending"  # an LA awaiting our approval (demo data)
SIGNER = Signer(
    name="Bruno Rossi",
    position="Erasmus+ coordinator",
    email="bruno.rossi@uni-b.example",
    timestamp=datetime.now(UTC),
)


def approve(las: LasClient) -> None:
    """Approve the pending changes proposal of :data:`LA`, as the receiving HEI."""
    la = las.get_one(PARTNER, LA)
    if la is None or la.changes_proposal is None:
        raise SystemExit(f"{LA}: no changes proposal to approve")
    las.approve(PARTNER, LA, la.changes_proposal.id, SIGNER)


def main() -> None:
    with Partner.in_process(scenarios=[SCENARIO]) as partner, partner.client() as client:
        las = LasClient(client)
        try:
            approve(las)
        except LaUpdateError as exc:
            cause = exc.error
            issue = known_issue_of(cause)
            print(f"with {SCENARIO}: {type(exc).__name__} from {type(cause).__name__}")
            print(f"  known_issue: {cause.known_issue} ({issue.summary if issue else '?'})")
            print(f"  status: {exc.status}")
            if isinstance(cause, PartnerError):
                print(f"  user_message: {cause.user_message}")
            print(f"  re-read: {exc.reread} (the approval is recorded at the partner)")
        else:
            raise SystemExit(f"{SCENARIO}: the update did not fail")

        partner.control.reset()  # the partner's data as it started: the proposal pending again
        partner.control.use_scenarios([])  # from the next request on: a clean partner
        with partner.client() as fresh:
            approve(LasClient(fresh))
        print("without it: the same approval succeeds")


if __name__ == "__main__":
    main()
