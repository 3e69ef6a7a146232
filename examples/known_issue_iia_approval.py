"""A partner that "approves" an IIA it has not approved, and what the client says about it.

We are ``uni-b.example.org`` and ask our partner ``uni-a.example.org``
(the mock) whether it approved our IIA ``b-iia-2``. It has not, so its IIA
Approval API must leave the IIA out of the answer. With the
``iia-approval-missing-iia-id`` scenario it answers an ``<approval>`` that
holds an ``iia-hash`` and no ``iia-id`` instead; the schema requires the
``iia-id``, and our client raises :class:`~ewp_client.ApprovalWithoutIiaId`
naming the known problem, where in the document it is (``path``), what is
missing (``missing``) and the hint.

Then the scenario is switched off through the partner's control API and the
same call succeeds: no approval for ``b-iia-2``.

Run: ``python examples/known_issue_iia_approval.py`` (needs the ``[mock]`` extra)
"""

from __future__ import annotations

from ewp_client import ApprovalWithoutIiaId, IiaApprovalClient
from ewp_client.known_issues import known_issue_of
from ewp_mock.testing import Partner

SCENARIO = "iia-approval-missing-iia-id"
PARTNER = "uni-a.example.org"  # the HEI the mock partner serves
NOT_APPROVED = "b-iia-2"  # one of our IIAs the partner has not approved (demo data)


def main() -> None:
    with Partner.in_process(scenarios=[SCENARIO]) as partner, partner.client() as client:
        approvals = IiaApprovalClient(client)
        try:
            approvals.get(PARTNER, [NOT_APPROVED])
        except ApprovalWithoutIiaId as exc:
            issue = known_issue_of(exc)
            print(f"with {SCENARIO}: {type(exc).__name__}")
            print(f"  known_issue: {exc.known_issue} ({issue.summary if issue else '?'})")
            print(f"  path: {exc.path}")
            print(f"  missing: {', '.join(exc.missing)}")
            print(f"  hint: {exc.hint}")
        else:
            raise SystemExit(f"{SCENARIO}: the client accepted the approval without iia-id")

        partner.control.use_scenarios([])  # from the next request on: a clean partner
        answer = approvals.get(PARTNER, [NOT_APPROVED])
        print(f"without it: the same call succeeds, {len(answer.approvals)} approval(s)")


if __name__ == "__main__":
    main()
