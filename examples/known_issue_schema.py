"""A partner whose answer lacks a required element, and what the client says about it.

We read the factsheet of our partner ``uni-a.example.org`` (the mock). With
the ``schema-required-field-missing`` scenario its answer has no
``decision-weeks-limit``, an element the Factsheet API's schema requires.
Every answer our client receives is validated against the schema the
answer declares, so the call raises :class:`~ewp_client.RequiredElementMissing`
naming the known problem, where the element is missing (``path``), which
elements the schema expected there (``missing``) and the line of the
violation.

Then the scenario is switched off through the partner's control API and the
same call returns a valid factsheet.

Run: ``python examples/known_issue_schema.py`` (needs the ``[mock]`` extra)
"""

from __future__ import annotations

from ewp_client import RequiredElementMissing
from ewp_client.client.base import EwpCall
from ewp_client.known_issues import known_issue_of
from ewp_client.namespaces import FACTSHEET_API
from ewp_mock.testing import Partner

SCENARIO = "schema-required-field-missing"
PARTNER = "uni-a.example.org"  # the HEI the mock partner serves
FACTSHEET = EwpCall(
    api=FACTSHEET_API, hei_id=PARTNER, endpoint="url", params=(("hei_id", PARTNER),)
)


def main() -> None:
    with Partner.in_process(scenarios=[SCENARIO]) as partner, partner.client() as client:
        try:
            client.call(FACTSHEET)
        except RequiredElementMissing as exc:
            issue = known_issue_of(exc)
            print(f"with {SCENARIO}: {type(exc).__name__}")
            print(f"  known_issue: {exc.known_issue} ({issue.summary if issue else '?'})")
            print(f"  root: {exc.root}")
            print(f"  path: {exc.path}")
            print(f"  missing: {', '.join(exc.missing)}")
            print(f"  line: {exc.violations[0].line}")
        else:
            raise SystemExit(f"{SCENARIO}: the client accepted the incomplete factsheet")

        partner.control.use_scenarios([])  # from the next request on: a clean partner
        client.call(FACTSHEET)  # validated against the schema, as before
        print(f"without it: the same call succeeds, a schema-valid factsheet of {PARTNER}")


if __name__ == "__main__":
    main()
