"""A partner's LA with a reason code this library does not know stays usable (spec rule).

The partner speaks a newer version of the LA schema, which is why this is the
broken partner of tests/support/network.py: the mock node validates what it
serves against our schemas and refuses to encode such a value.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import httpx

from ewp_client.client import EwpClient, LasClient
from ewp_client.codec import encode
from ewp_client.models import LasGetResponse, UnknownEnumValue
from tests.codec.samples import learning_agreement
from tests.support.network import PARTNER, make_network


def test_get_keeps_an_la_whose_reason_code_is_new(tmp_path: Path) -> None:
    net = make_network(tmp_path)
    la = dataclasses.replace(learning_agreement(), omobility_id="om-1")
    body = encode(LasGetResponse(las=(la,)))
    assert b'reason-code="timetable-conflict"' in body
    body = body.replace(b'reason-code="timetable-conflict"', b'reason-code="room-flooded"')

    def serve(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=body, headers={"Content-Type": "text/xml"})

    http = httpx.Client(transport=net.partner(serve))
    with EwpClient(net.registry(), key=net.our_key, http=http) as client:
        (got,) = LasClient(client).get(PARTNER, ["om-1"])
    proposal = got.changes_proposal
    assert proposal is not None
    codes = [
        c.reason_code
        for lst in (proposal.components_studied, proposal.components_recognized)
        if lst is not None
        for c in lst.components
        if c.reason_code is not None
    ]
    unknown = [c for c in codes if isinstance(c, UnknownEnumValue)]
    assert unknown == ["room-flooded"]
