"""The EWP ``error-response`` and the one mapping between HTTP statuses and errors.

Partners answer failures with a status and, usually, an ``error-response``
document (architecture common types) carrying a ``developer-message`` and an
optional ``user-message``. The client turns such an answer into the
:class:`~ewp_client.errors.PartnerError` subclass of its status; the mock
partner goes the other way. Both use this module, so the two directions cannot
drift apart.
"""

from __future__ import annotations

from typing import Final

from lxml import etree

from .errors import (
    BadRequest,
    EditConflict,
    EwpError,
    Forbidden,
    MalformedErrorResponse,
    NotFound,
    NotImplementedByPartner,
    PartnerError,
    PartnerServerError,
    Unauthorized,
)
from .namespaces import COMMON_NS
from .xml.parser import parse_xml

__all__ = [
    "ERROR_TYPES",
    "ErrorMessages",
    "error_response_defect",
    "excerpt",
    "is_error_response",
    "malformed_error_response",
    "parse_error_response",
    "partner_error",
    "render_error_response",
    "retryable_status",
    "status_for",
]

#: The error type a client raises for each status a partner may answer with.
ERROR_TYPES: Final[dict[int, type[PartnerError]]] = {
    400: BadRequest,
    401: Unauthorized,
    403: Forbidden,
    404: NotFound,
    409: EditConflict,
    501: NotImplementedByPartner,
}

_DEV = f"{{{COMMON_NS}}}developer-message"
_USER = f"{{{COMMON_NS}}}user-message"
_ROOT = f"{{{COMMON_NS}}}error-response"


class ErrorMessages(tuple[str | None, str | None]):
    """``(developer_message, user_message)`` of an ``error-response``."""

    @property
    def developer(self) -> str | None:
        return self[0]

    @property
    def user(self) -> str | None:
        return self[1]


def parse_error_response(body: bytes) -> ErrorMessages:
    """The messages of an ``error-response`` body; ``(None, None)`` when it is not one.

    Partners' error bodies are often not valid (or not XML at all): this never
    raises, it reads what it can.
    """
    try:
        root = parse_xml(body).getroot()
    except (EwpError, TypeError):
        return ErrorMessages((None, None))
    if root.tag != _ROOT:
        return ErrorMessages((None, None))
    dev = root.find(_DEV)
    user = root.find(_USER)
    return ErrorMessages(
        (
            (dev.text or "").strip() if dev is not None else None,
            (user.text or "").strip() if user is not None else None,
        )
    )


def partner_error(status: int, body: bytes, *, url: str | None = None) -> PartnerError:
    """The typed error for a partner's non-2xx answer, carrying its parsed messages."""
    error_type = ERROR_TYPES.get(status)
    if error_type is None:
        error_type = PartnerServerError if status >= 500 else PartnerError
    messages = parse_error_response(body)
    where = f" from {url}" if url else ""
    detail = messages.developer or excerpt(body)
    text = f"HTTP {status}{where}" + (f": {detail}" if detail else "")
    return error_type(
        text,
        status=status,
        developer_message=messages.developer,
        user_message=messages.user,
        body=body,
    )


def status_for(error: type[PartnerError] | PartnerError) -> int:
    """The HTTP status a server answers with for ``error`` (500 for a generic server error)."""
    error_type = error if isinstance(error, type) else type(error)
    for status, known in ERROR_TYPES.items():
        if issubclass(error_type, known):
            return status
    if isinstance(error, PartnerError) and error.status:
        return error.status
    return 500


def render_error_response(developer_message: str, user_message: str | None = None) -> bytes:
    """An ``error-response`` document (schema-valid) with the given messages."""
    root = etree.Element(_ROOT, nsmap={None: COMMON_NS})
    etree.SubElement(root, _DEV).text = developer_message
    if user_message:
        etree.SubElement(root, _USER).text = user_message
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def excerpt(body: bytes, limit: int = 200) -> str:
    """The start of ``body`` as one line of text (evidence in errors and warnings)."""
    text = body[:limit].decode("utf-8", "replace").strip()
    return " ".join(text.split()) + ("…" if len(body) > limit else "")


def is_error_response(root: etree._Element) -> bool:
    """Whether ``root`` is an EWP ``error-response`` element."""
    return root.tag == _ROOT


def error_response_defect(body: bytes) -> str | None:
    """What keeps ``body`` (of an error answer) from being a proper ``error-response``.

    ``None`` when it is one with a ``developer-message``; else ``empty``,
    ``not-xml``, ``not-error-response`` (another document, HTML...) or
    ``no-developer-message`` (the element the schema requires).
    """
    if not body.strip():
        return "empty"
    try:
        root = parse_xml(body).getroot()
    except (EwpError, TypeError):
        return "not-xml"
    if root.tag != _ROOT:
        return "not-error-response"
    dev = root.find(_DEV)
    if dev is None or not (dev.text or "").strip():
        return "no-developer-message"
    return None


def malformed_error_response(
    status: int, body: bytes, content_type: str | None
) -> MalformedErrorResponse | None:
    """The warning for an error answer whose body is not a proper ``error-response``."""
    defect = error_response_defect(body)
    if defect is None:
        return None
    return MalformedErrorResponse(
        f"HTTP {status} answer ({content_type or 'no Content-Type'}) is not a proper "
        f"error-response ({defect}); classified by its status",
        status=status,
        content_type=content_type,
        excerpt=excerpt(body),
        defect=defect,
    )


def retryable_status(status: int) -> bool:
    """Whether an answer of ``status`` may change by trying again: 5xx other than 501.

    The one rule, for the client's retries and the CNR outbox alike: 501
    (not implemented) will not change, and a 4xx refuses this very request.
    """
    return 500 <= status < 600 and status != 501
