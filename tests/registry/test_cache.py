"""Cache lifetime rules, I/O-free: what the Registry's headers mean for how long a copy lives."""

from __future__ import annotations

import pytest

from ewp_client.registry import CachePolicy, freshness_lifetime

NOW = 1_700_000_000.0  # Tue, 14 Nov 2023 22:13:20 GMT
POLICY = CachePolicy()


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({}, 15 * 60),
        ({"Cache-Control": "max-age=600"}, 600),
        ({"cache-control": "private, MAX-AGE=600"}, 600),
        ({"Cache-Control": "max-age=600", "Expires": "Tue, 14 Nov 2023 23:13:20 GMT"}, 600),
        ({"Expires": "Tue, 14 Nov 2023 23:13:20 GMT"}, 3600),
        # Expires is measured from the server's Date, not from our (possibly skewed) clock.
        (
            {"Expires": "Tue, 14 Nov 2023 23:13:20 GMT", "Date": "Tue, 14 Nov 2023 22:53:20 GMT"},
            1200,
        ),
        ({"Expires": "0"}, 60),
        ({"Cache-Control": "no-store"}, 60),
        ({"Cache-Control": "max-age=0"}, 60),
        ({"Cache-Control": "max-age=999999"}, 3 * 3600),
        ({"Cache-Control": "max-age=900", "Age": "880"}, 60),
        ({"Cache-Control": "max-age=soon"}, 15 * 60),
    ],
)
def test_freshness_lifetime(headers, expected):
    assert freshness_lifetime(headers, POLICY, NOW) == expected


def test_policy_bounds_are_configurable():
    policy = CachePolicy(min_ttl=300, max_ttl=600, default_ttl=400)
    assert freshness_lifetime({"Cache-Control": "max-age=5"}, policy, NOW) == 300
    assert freshness_lifetime({"Cache-Control": "max-age=5000"}, policy, NOW) == 600
    assert freshness_lifetime({}, policy, NOW) == 400
