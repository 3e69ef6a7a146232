"""A partner that refuses a valid change notification, and what the client says about it.

We are ``uni-b.example.org`` and tell our partner ``uni-a.example.org`` (the
mock) that our IIA ``b-iia-2`` changed, with an IIA CNR. The spec wants a
200 for every well-formed notification (the receiver then fetches what
changed, or ignores an id it does not know). With the
``cnr-rejects-valid-notification`` scenario the partner answers ``400
unknown id``; our client raises :class:`~ewp_client.CnrRejected` (still a
:class:`~ewp_client.BadRequest`) naming the known problem, with the status
and the partner's developer message. It is not retried: sending it again
would be refused again.

Then the scenario is switched off through the partner's control API and the
same notification is accepted.

Run: ``python examples/known_issue_cnr.py`` (needs the ``[mock]`` extra)
"""

from __future__ import annotations

from ewp_client import BadRequest, CnrRejected, IiaCnrClient
from ewp_client.known_issues import known_issue_of
from ewp_mock.testing import Partner

SCENARIO = "cnr-rejects-valid-notification"
PARTNER = "uni-a.example.org"  # the HEI the mock partner serves
CHANGED = "b-iia-2"  # one of our IIAs the partner holds a copy of (demo data)


def main() -> None:
    with Partner.in_process(scenarios=[SCENARIO]) as partner, partner.client() as client:
        cnr = IiaCnrClient(client)
        try:
            cnr.notify(PARTNER, [CHANGED])
        except CnrRejected as exc:
            issue = known_issue_of(exc)
            print(f"with {SCENARIO}: {type(exc).__name__}")
            print(f"  known_issue: {exc.known_issue} ({issue.summary if issue else '?'})")
            print(f"  status: {exc.status}")
            print(f"  developer_message: {exc.developer_message}")
            print(
                f"  a BadRequest too (existing except clauses still catch it): "
                f"{isinstance(exc, BadRequest)}"
            )
        else:
            raise SystemExit(f"{SCENARIO}: the notification was accepted")

        partner.control.use_scenarios([])  # from the next request on: a clean partner
        sent = cnr.notify(PARTNER, [CHANGED])
        print(f"without it: the same notification is accepted ({sent} request sent)")


if __name__ == "__main__":
    main()
