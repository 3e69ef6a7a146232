"""A partner whose HTTP signatures are dated 7 minutes ago, and what the client says about it.

The mock partner plays the ``httpsig-clock-skew`` scenario: its answers are
correctly signed, but their ``Original-Date`` is 7 minutes in the past (a
server clock without NTP). EWP allows 5 minutes, so our client refuses the
answer with a :class:`~ewp_client.ClockSkewError`. The error names the
known problem (``known_issue``, a row of the EWP known-issues catalogue) and
carries its evidence: the header read, how far off it is, the limit.

Then the scenario is switched off through the partner's control API and the
same call succeeds.

Run: ``python examples/known_issue_signatures.py`` (needs the ``[mock]`` extra)
"""

from __future__ import annotations

from ewp_client import ClockSkewError, EchoClient
from ewp_client.known_issues import known_issue_of
from ewp_mock.testing import Partner

SCENARIO = "httpsig-clock-skew"
PARTNER = "uni-a.example.org"  # the HEI the mock partner serves


def main() -> None:
    with Partner.in_process(scenarios=[SCENARIO]) as partner, partner.client() as client:
        echo = EchoClient(client)
        try:
            echo.echo(PARTNER, ["ping"])
        except ClockSkewError as exc:
            issue = known_issue_of(exc)
            print(f"with {SCENARIO}: {type(exc).__name__}")
            print(f"  known_issue: {exc.known_issue} ({issue.summary if issue else '?'})")
            print(f"  header: {exc.header}")
            print(f"  skew: {exc.skew:.0f} s (limit {exc.limit:.0f} s)")
        else:
            raise SystemExit(f"{SCENARIO}: the client accepted the skewed answer")

        partner.control.use_scenarios([])  # from the next request on: a clean partner
        answer = echo.echo(PARTNER, ["ping"])
        print(f"without it: the same call succeeds, echoes {list(answer.echoes)}")


if __name__ == "__main__":
    main()
