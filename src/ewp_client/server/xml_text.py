"""Which text an XML 1.0 document can carry, and making any text carriable.

XML 1.0's ``Char`` production leaves out the C0 controls but tab, LF and CR,
the surrogates, and U+FFFE / U+FFFF: a NUL or an ESC can be neither echoed
nor put into an ``error-response``.
"""

from __future__ import annotations

import re
from typing import Final

__all__ = ["escape_unrepresentable", "first_unrepresentable"]

_NOT_XML_CHAR: Final = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def first_unrepresentable(text: str) -> tuple[int, str] | None:
    """Offset and character of the first character of ``text`` XML cannot carry, if any."""
    found = _NOT_XML_CHAR.search(text)
    return None if found is None else (found.start(), found.group(0))


def escape_unrepresentable(text: str) -> str:
    """``text`` with each character XML cannot carry written as Python escapes (``\\x00``)."""
    return _NOT_XML_CHAR.sub(lambda m: ascii(m.group(0))[1:-1], text)
