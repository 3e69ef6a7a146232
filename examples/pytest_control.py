"""Put the mock partner in a state from a test, move its clock, read what was exchanged.

The fixtures of ``ewp_mock.pytest_plugin`` give partners whose control API is on:
``partner.control`` (``ewp_network.control("a")``) is a typed ``ControlClient``.
Run it with pytest, or as a script: ``python examples/pytest_control.py``.
"""

from __future__ import annotations

import dataclasses
from datetime import timedelta

import httpx
import pytest

from ewp_client import ControlBadRequest, LasClient
from ewp_client.cnr import CnrKind, EntryState
from ewp_mock.testing import Partner, PartnerNetwork

PARTNER = "uni-a.example.org"  # what the mock partner serves (the demo data's first HEI)
US = "uni-b.example.org"  # what our key is admitted for
APPROVED_LA = "la-approved"  # an approved LA of the demo data


def test_a_new_la_is_served_and_a_bad_document_changes_nothing(ewp_partner: Partner) -> None:
    control = ewp_partner.control
    control.reset()  # the initial data, outbox, clock and exchange log: test isolation
    with ewp_partner.client() as client:
        las = LasClient(client)
        template = las.get_one(PARTNER, APPROVED_LA)
        assert template is not None
        control.put_las(dataclasses.replace(template, omobility_id="la-from-the-test"))
        assert "la-from-the-test" in las.index(PARTNER)
        with pytest.raises(ControlBadRequest) as refused:
            control.put_las(b"<omobility-las-get-response/>")  # no namespace: not an EWP document
        print("refused:", refused.value.kind, refused.value.detail)
        assert las.index(PARTNER).count("la-from-the-test") == 1


def test_a_cnr_nobody_answers_expires_after_a_day_of_business_time(
    ewp_network: PartnerNetwork,
) -> None:
    a = ewp_network.control("a")

    def b_is_down(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("b is down", request=request)

    ewp_network.network.intercept("b", b_is_down)
    a.trigger(CnrKind.LA, US, [APPROVED_LA], sending_hei_id=PARTNER)
    a.run_due()  # the first attempt fails: retried later, with backoff
    (pending,) = a.outbox()
    assert pending.state is EntryState.PENDING
    a.advance(timedelta(hours=24))  # no real waiting; signatures stay on real time
    (expired,) = a.outbox()
    print("after 24 h:", expired.state.value, "after", len(expired.attempts), "attempts")
    assert expired.state is EntryState.EXPIRED


def test_the_exchange_log_shows_what_went_over_the_wire(ewp_partner: Partner) -> None:
    control = ewp_partner.control
    control.reset()
    with ewp_partner.client() as client:
        LasClient(client).index(PARTNER)
    (record,) = [r for r in control.exchanges() if "/las/index" in r["url"]]
    print("logged:", record["method"], record["url"], record["status"], record["request_signature"])
    assert record["status"] == 200
    assert record["request_signature"] == "verified"


if __name__ == "__main__":
    # "-p": load the plugin even where the package's entry points are not installed;
    # "-W": this script imported httpx (and anyio) before pytest could rewrite asserts
    options = ["-p", "ewp_mock.pytest_plugin", "-p", "no:cacheprovider", "-v", "-s"]
    options += ["-W", "ignore::pytest.PytestAssertRewriteWarning"]
    raise SystemExit(pytest.main([__file__, *options]))
