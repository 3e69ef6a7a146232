"""``ewp_client.cnr`` and ``ewp_client.clock`` export sorted lists of names that resolve."""

from __future__ import annotations

import ewp_client.clock
import ewp_client.cnr as cnr


def test_the_cnr_names_are_sorted_and_each_resolves() -> None:
    names = cnr.__all__
    assert names == sorted(names, key=lambda n: (n[0].islower(), n))
    for name in names:
        obj = getattr(cnr, name)
        module = getattr(obj, "__module__", None)
        if module is not None and name != "Outcome":  # a type alias has typing's module
            assert module.startswith("ewp_client.cnr."), (name, module)
    assert set(names) <= set(dir(cnr))


def test_the_clock_names_are_sorted() -> None:
    names = ewp_client.clock.__all__
    assert names == sorted(names, key=lambda n: (n[0].islower(), n))
    assert all(hasattr(ewp_client.clock, n) for n in names)
