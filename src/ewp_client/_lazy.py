"""Names a package exports but imports on first use (PEP 562).

Used where an import would pull in a heavy stack for users who do not need it:
``import ewp_client`` leaves httpx, asyncio and the models out until a client
is named, and ``ewp_client.security`` leaves httpx out for the server half.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, MutableMapping
from importlib import import_module
from typing import Any

__all__ = ["lazy_attributes"]


def lazy_attributes(
    package: str, namespace: MutableMapping[str, Any], names: Mapping[str, str]
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """A module's ``__getattr__`` and ``__dir__`` for ``names`` (name -> relative module).

    A name is imported from its module the first time it is asked for and
    then kept in ``namespace`` (the package's ``globals()``), so it costs one
    lookup. ``dir()`` lists the lazy names with the loaded ones.
    """

    def attribute(name: str) -> Any:
        module = names.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(import_module(module, package), name)
        namespace[name] = value
        return value

    def listing() -> list[str]:
        return sorted({*namespace, *names})

    return attribute, listing
