"""What a server answers, as plain data: a status, headers and the body bytes.

Every refusal becomes an EWP ``error-response`` (architecture common types)
with the status its error type names (:func:`ewp_client.error_response.status_for`,
the one mapping shared with the client), plus the challenge headers for a 401.
The web framework only copies an :class:`Answer` onto the wire.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from ..error_response import render_error_response, status_for
from ..errors import EwpError, HttpSignatureError, InvalidParameter, PartnerError
from ..security import CHALLENGE_HEADERS
from .xml_text import escape_unrepresentable

__all__ = ["XML_MEDIA_TYPE", "Answer", "bad_request", "error_answer", "xml_answer"]

#: The media type of every XML answer.
XML_MEDIA_TYPE: Final = "text/xml; charset=utf-8"


@dataclass(frozen=True, slots=True)
class Answer:
    """One HTTP answer: ``status``, ``headers`` (``Content-Type`` included) and ``body``."""

    status: int
    body: bytes
    headers: tuple[tuple[str, str], ...] = ()


def xml_answer(body: bytes, status: int = 200, headers: tuple[tuple[str, str], ...] = ()) -> Answer:
    """An XML answer with ``body`` (already rendered)."""
    return Answer(status, body, (("Content-Type", XML_MEDIA_TYPE), *headers))


def error_answer(error: EwpError | str, status: int | None = None) -> Answer:
    """The EWP ``error-response`` for ``error``, with the status it maps to.

    An :class:`~ewp_client.errors.HttpSignatureError` answers its ``status``
    (401 with the challenge headers), a :class:`~ewp_client.errors.PartnerError`
    the status of its type (and its ``user_message``); anything else 500
    unless ``status`` is given. Characters XML cannot carry in the message (it
    may quote what a client sent) are written as escapes, so the answer is
    always a document.
    """
    headers: tuple[tuple[str, str], ...] = ()
    user_message: str | None = None
    if isinstance(error, HttpSignatureError):
        code = error.status
        if code == 401:
            headers = tuple(CHALLENGE_HEADERS)
    elif isinstance(error, PartnerError):
        code = status_for(error)
        user_message = error.user_message
    else:
        code = 500
    body = render_error_response(
        escape_unrepresentable(str(error)),
        escape_unrepresentable(user_message) if user_message else None,
    )
    return xml_answer(body, status or code, headers)


def bad_request(message: str, parameter: str | None = None) -> InvalidParameter:
    """The 400 a serving HEI answers to malformed request parameters."""
    return InvalidParameter(message, parameter=parameter)
