"""The one exception tree of ``ewp_client``.

Every error the library raises on purpose derives from :class:`EwpError`, so
``except EwpError`` catches all of them. Errors carry their evidence as
attributes (line numbers, header names, key ids, HTTP statuses), never only in
the message, so that callers and tests can act on them.

::

    EwpError
    ├── ConfigError ............................ bad configuration or arguments
    │   ├── KeyFormatError ..................... key bytes unusable (source, algorithm)
    │   ├── KeyFileError ....................... a key file not written safely (path, reason)
    │   ├── FixtureError ....................... a data fixture file refused (path, problem, line)
    │   └── StateDirError ...................... mock state directory not writable (path, reason)
    ├── XmlError
    │   ├── MalformedXmlError .................. not well-formed XML (line, column)
    │   │   └── XmlRefusedError ................ refused before parsing (construct)
    │   │       ├── DtdForbiddenError .......... DOCTYPE / entity declarations
    │   │       ├── XmlTooLargeError ........... over the byte limit
    │   │       ├── XmlTooDeepError ............ nesting over the depth limit
    │   │       └── XmlTooManyAttributesError .. an element over the attribute limit
    │   ├── UnknownDocumentError ............... root namespace has no bundled schema
    │   │   └── UnexpectedDocumentError ........ a known document, not the one expected
    │   └── SchemaValidationError .............. violations (the first N), total, more
    ├── HttpSignatureError ..................... status: the HTTP status a server answers
    │   ├── MissingSignatureError (401) ........ no ``Authorization: Signature``
    │   ├── MalformedSignatureError (400) ...... unparsable Signature / Authorization
    │   ├── UnsupportedAlgorithmError (400)
    │   ├── MissingSignedHeaderError (400) ..... header: a required header not signed/sent
    │   ├── HostMismatchError (400)
    │   ├── DateError (400) .................... Date / Original-Date unparsable
    │   │   └── ClockSkewError (400) ........... skew: seconds off
    │   ├── RequestIdError (400) ............... X-Request-Id missing or not a lower-case UUID
    │   ├── ReplayError (400) .................. X-Request-Id seen before
    │   ├── DigestError (400) .................. Digest missing / mismatching the body
    │   ├── SignatureMismatchError (400) ....... the RSA signature does not verify
    │   ├── UnknownKeyError (403) .............. key_id: not a known client key
    │   ├── KeyNotAuthorizedError (403) ........ known key, wrong role or HEI
    │   └── ResponseSignatureError ............. response-side checks (client)
    │       ├── UnsignedResponseError .......... a signature was asked for, none came
    │       └── ResponseBindingError ........... X-Request-Id / X-Request-Signature echo wrong
    ├── RegistryError
    │   ├── RegistryUnavailableError ........... no usable catalogue (down, and cache too old)
    │   ├── CatalogueKeyError .................. a published key is unusable (key_id)
    │   └── NoEndpointError .................... no endpoint of API X for HEI Y
    ├── TransportError ......................... network failure talking to a partner
    │   ├── ResponseTooLargeError .............. body over the size limit (limit, bytes_read, url)
    │   └── DeadlineExceededError .............. exchange too slow (deadline, bytes_read, url)
    ├── PartnerError ........................... a partner answered with an error status
    │   ├── BadRequest (400)
    │   │   └── InvalidParameter ............... parameter: the request parameter refused (server)
    │   ├── Unauthorized (401)
    │   ├── Forbidden (403)
    │   ├── NotFound (404)
    │   ├── EditConflict (409) ................. refetch and decide again
    │   ├── NotImplementedByPartner (501)
    │   ├── MethodNotAllowed (405) ............. method, allowed (server side)
    │   ├── PayloadTooLarge (413) .............. limit (server side)
    │   ├── UnsupportedMediaType (415) ......... content_type (server side)
    │   └── PartnerServerError (5xx)
    ├── IiaError
    │   ├── IiaHashError ....................... a declared iia-hash differs from the computed one
    │   ├── IiaNotHashableError ................ the official kit cannot hash it (element, line)
    │   ├── IiaLifecycleError .................. a step the IIA lifecycle refuses (action, reason)
    │   └── ApprovalRefusedError ............... reason: why we refuse to approve
    ├── LearningAgreementError
    │   ├── LaUpdateError ...................... an update failed: the request, the error, the LA
    │   │   └── AlreadyApplied ................. our approval/comment is already there
    │   ├── StaleProposalError ................. not the current proposal id (409)
    │   ├── LifecycleError ..................... a transition the LA lifecycle does not allow
    │   └── UnitContactError ................... no unit contact for that side (ounit_id, side)
    └── ControlError ........................... a mock node's control API refused (status, kind)
        ├── ControlBadRequest (400) ............ the document or arguments sent are unusable
        ├── ControlNotFound (404) .............. no such object (or the control API is off)
        └── ControlConflict (409) .............. a lifecycle step the node refuses

Lower-level errors (lxml, httpx, cryptography) are translated in one place each
with ``raise ... from``; nothing below this tree leaks out of the public API.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .models.la import LearningAgreement
    from .models.la_update import LasUpdateRequest

__all__ = [
    "AlreadyApplied",
    "ApprovalRefusedError",
    "BadRequest",
    "CatalogueKeyError",
    "ClockSkewError",
    "ConfigError",
    "ControlBadRequest",
    "ControlConflict",
    "ControlError",
    "ControlNotFound",
    "DateError",
    "DeadlineExceededError",
    "DigestError",
    "DtdForbiddenError",
    "EditConflict",
    "EwpError",
    "FixtureError",
    "Forbidden",
    "HostMismatchError",
    "HttpSignatureError",
    "IiaError",
    "IiaHashError",
    "IiaLifecycleError",
    "IiaNotHashableError",
    "InvalidParameter",
    "KeyFileError",
    "KeyFormatError",
    "KeyNotAuthorizedError",
    "LaUpdateError",
    "LearningAgreementError",
    "LifecycleError",
    "MalformedSignatureError",
    "MalformedXmlError",
    "MethodNotAllowed",
    "MissingSignatureError",
    "MissingSignedHeaderError",
    "NoEndpointError",
    "NotFound",
    "NotImplementedByPartner",
    "PartnerError",
    "PartnerServerError",
    "PayloadTooLarge",
    "RegistryError",
    "RegistryUnavailableError",
    "ReplayError",
    "RequestIdError",
    "ResponseBindingError",
    "ResponseSignatureError",
    "ResponseTooLargeError",
    "SchemaValidationError",
    "SignatureMismatchError",
    "StaleProposalError",
    "StateDirError",
    "TransportError",
    "Unauthorized",
    "UnexpectedDocumentError",
    "UnitContactError",
    "UnknownDocumentError",
    "UnknownKeyError",
    "UnsignedResponseError",
    "UnsupportedAlgorithmError",
    "UnsupportedMediaType",
    "Violation",
    "XmlError",
    "XmlRefusedError",
    "XmlTooDeepError",
    "XmlTooLargeError",
    "XmlTooManyAttributesError",
]


class EwpError(Exception):
    """Root of every error ``ewp_client`` raises on purpose."""


class ConfigError(EwpError):
    """The configuration or the arguments given to the library are unusable."""


class KeyFormatError(ConfigError):
    """Key bytes that cannot be used: unreadable, of an algorithm we cannot load, or not RSA.

    ``source`` names where the bytes came from (a file name) when the caller
    said; ``algorithm`` is what the key turned out to be when it was readable
    but unusable (``DSA``, ``Ed448``, or the unknown algorithm's OID as the
    cryptography library reports it), ``None`` when the bytes were unreadable.
    """

    def __init__(self, message: str, *, source: str | None = None, algorithm: str | None = None):
        super().__init__(message)
        self.source = source
        self.algorithm = algorithm


class KeyFileError(ConfigError):
    """A key file was not written, because it could not be written safely.

    ``path`` is the file; ``reason`` one of ``symlink`` (a symbolic link is
    there, dangling or not: never written through), ``not-a-file`` (a
    directory, a FIFO...), ``exists`` (and overwriting was not asked for),
    ``os-error`` (the system refused: permissions, a missing directory).
    """

    def __init__(self, message: str, *, path: str, reason: str):
        super().__init__(message)
        self.path = path
        self.reason = reason


class FixtureError(ConfigError):
    """A data fixture file (the mock's ``--data`` directory) cannot be loaded.

    ``path`` is the file at fault; ``problem`` one of ``unreadable``,
    ``malformed`` (not well-formed XML or TOML), ``schema-invalid``,
    ``wrong-document`` (another document type than the folder holds),
    ``unknown-hei``, ``unknown-ounit``, ``unknown-id`` (state given for an
    IIA or LA no file holds), ``duplicate-id``, ``invalid-value`` (a key or a
    value the format does not allow, or a state the lifecycle refuses), and
    when writing ``unwritable`` or ``unsupported`` (data the format cannot
    express); ``line`` the 1-based line when known.
    """

    def __init__(self, message: str, *, path: str, problem: str, line: int | None = None):
        super().__init__(message)
        self.path = path
        self.problem = problem
        self.line = line


class StateDirError(ConfigError):
    """The mock node's state directory (``--state-dir``) cannot be made or written.

    ``path`` is the directory or the file at fault; ``reason`` one of
    ``not-a-directory``, ``symlink`` (a symbolic link where a file goes: never
    written through) or ``os-error`` (the system refused: permissions, disk).
    """

    def __init__(self, message: str, *, path: str, reason: str):
        super().__init__(message)
        self.path = path
        self.reason = reason


class StateDbError(StateDirError):
    """The mock node's database (``--db FILE``) cannot be used; the file is left as it was.

    ``reason`` is one of ``foreign`` (another program's file, or tables not
    ours), ``corrupt`` (truncated or damaged), ``unsupported-version``,
    ``not-sqlite``, ``read-only``, ``not-a-file``, ``locked`` (another node
    has it open), ``missing`` or ``closed``.
    """


# --------------------------------------------------------------------------- XML


class XmlError(EwpError):
    """Something is wrong with an XML document."""


class MalformedXmlError(XmlError):
    """The bytes are not a well-formed XML document."""

    def __init__(self, message: str, *, line: int | None = None, column: int | None = None):
        super().__init__(message)
        self.line = line
        self.column = column


class XmlRefusedError(MalformedXmlError):
    """The document uses a construct we refuse before parsing it (``construct`` names it)."""

    construct: str = "unknown"


class DtdForbiddenError(XmlRefusedError):
    """A DOCTYPE (and with it entity declarations, external DTDs) is never accepted."""

    construct = "DOCTYPE"


class XmlTooLargeError(XmlRefusedError):
    """The document is larger than the configured limit."""

    construct = "size"

    def __init__(self, message: str, *, size: int, limit: int):
        super().__init__(message)
        self.size = size
        self.limit = limit


class XmlTooDeepError(XmlRefusedError):
    """Elements nest deeper than the configured limit."""

    construct = "depth"

    def __init__(self, message: str, *, limit: int, line: int | None = None):
        super().__init__(message, line=line)
        self.limit = limit


class XmlTooManyAttributesError(XmlRefusedError):
    """An element carries more attributes than the configured limit.

    No EWP element has more than a handful; the limit exists because checking
    each attribute of one start tag against a schema costs a formatted error
    apiece, all at once, so a single element with tens of thousands of
    undeclared attributes would make reporting a document far dearer than
    validating it (Java's parsers cap it too).
    """

    construct = "attributes"

    def __init__(self, message: str, *, limit: int, line: int | None = None):
        super().__init__(message, line=line)
        self.limit = limit


class UnknownDocumentError(XmlError):
    """No bundled schema declares the document's root element."""

    def __init__(self, message: str, *, namespace: str | None, root: str):
        super().__init__(message)
        self.namespace = namespace
        self.root = root


class UnexpectedDocumentError(UnknownDocumentError):
    """A document we know, but not the one asked for (``expected`` names the wanted root)."""

    def __init__(self, message: str, *, namespace: str | None, root: str, expected: str):
        super().__init__(message, namespace=namespace, root=root)
        self.expected = expected


@dataclass(frozen=True, slots=True)
class Violation:
    """One schema rule a document breaks.

    ``path`` is an XPath-like location with prefixes taken from the document
    (``/iias-get-response/iia[2]/partner[1]``), ``line`` the 1-based source line.
    """

    line: int | None
    path: str
    message: str

    def __str__(self) -> str:
        where = f"{self.line}" if self.line is not None else "?"
        return f"{where}: {self.path}: {self.message}"


class SchemaValidationError(XmlError):
    """The document is well-formed but breaks its schema.

    ``violations`` lists the first rules broken (at most the ``max_violations``
    the validator was given), sorted by line; ``total`` counts every violation
    found (``None``: as many as listed) and ``more`` those not listed. A
    validator that stopped counting on a huge document sets
    ``total_is_exact`` to ``False``: ``total`` is then a lower bound.
    """

    def __init__(
        self,
        violations: Sequence[Violation],
        *,
        namespace: str | None,
        root: str,
        total: int | None = None,
        total_is_exact: bool = True,
    ):
        self.violations = tuple(violations)
        self.namespace = namespace
        self.root = root
        self.total = max(total if total is not None else 0, len(self.violations))
        self.total_is_exact = total_is_exact
        first = str(self.violations[0]) if self.violations else "invalid"
        more = self.total - 1
        suffix = f" (and {more}{'' if total_is_exact else '+'} more)" if more > 0 else ""
        super().__init__(f"<{root}> is not valid: {first}{suffix}")

    @property
    def more(self) -> int:
        """How many violations were counted but not listed in ``violations``."""
        return self.total - len(self.violations)


# --------------------------------------------------------------- HTTP Signatures


class HttpSignatureError(EwpError):
    """An HTTP Signature check failed. ``status`` is what an EWP server answers for it."""

    status: int = 400


class MissingSignatureError(HttpSignatureError):
    """The request carries no ``Authorization: Signature`` header."""

    status = 401


class MalformedSignatureError(HttpSignatureError):
    """The Signature parameters cannot be parsed."""


class UnsupportedAlgorithmError(HttpSignatureError):
    """The signature uses an algorithm other than ``rsa-sha256``."""


class MissingSignedHeaderError(HttpSignatureError):
    """A header the EWP profile requires is missing or not covered by the signature."""

    def __init__(self, message: str, *, header: str):
        super().__init__(message)
        self.header = header


class HostMismatchError(HttpSignatureError):
    """The signed ``Host`` is not the host that received the request."""


class DateError(HttpSignatureError):
    """``Date`` / ``Original-Date`` is missing or not an RFC 1123 GMT date."""


class ClockSkewError(DateError):
    """The signed date is too far from our clock (``skew`` in seconds, signed)."""

    def __init__(self, message: str, *, skew: float, limit: float):
        super().__init__(message)
        self.skew = skew
        self.limit = limit


class RequestIdError(HttpSignatureError):
    """``X-Request-Id`` is missing or not a lower-case canonical UUID."""


class ReplayError(HttpSignatureError):
    """This ``X-Request-Id`` was already seen within the date window."""


class DigestError(HttpSignatureError):
    """``Digest`` is missing, has no SHA-256 value, or does not match the body bytes."""


class SignatureMismatchError(HttpSignatureError):
    """The signature does not verify against the signing string with the key."""


class UnknownKeyError(HttpSignatureError):
    """The ``keyId`` is not a key the Registry knows in the needed role."""

    status = 403

    def __init__(self, message: str, *, key_id: str):
        super().__init__(message)
        self.key_id = key_id


class KeyNotAuthorizedError(HttpSignatureError):
    """The key is known but may not be used here (wrong role, host or HEI)."""

    status = 403

    def __init__(self, message: str, *, key_id: str):
        super().__init__(message)
        self.key_id = key_id


class ResponseSignatureError(HttpSignatureError):
    """A partner's response failed server-authentication checks."""


class UnsignedResponseError(ResponseSignatureError):
    """We asked for a signed response and got an unsigned one."""


class ResponseBindingError(ResponseSignatureError):
    """The response does not echo our ``X-Request-Id`` / ``X-Request-Signature``."""


# ---------------------------------------------------------------------- Registry


class RegistryError(EwpError):
    """The Registry catalogue cannot answer."""


class RegistryUnavailableError(RegistryError):
    """The Registry is unreachable and no cached catalogue is young enough."""


class CatalogueKeyError(RegistryError):
    """A key the catalogue publishes cannot be used (``key_id``): not DER, or not an RSA key.

    ``algorithm`` is what it is instead, when that could be read (see
    :class:`KeyFormatError`). Signature verification reads such a key as unknown.
    """

    def __init__(self, message: str, *, key_id: str, algorithm: str | None = None):
        super().__init__(message)
        self.key_id = key_id
        self.algorithm = algorithm


class NoEndpointError(RegistryError):
    """No endpoint of the wanted API (and major version) serves the HEI."""

    def __init__(self, message: str, *, hei_id: str, api: str):
        super().__init__(message)
        self.hei_id = hei_id
        self.api = api


# ---------------------------------------------------------------------- Partners


class TransportError(EwpError):
    """The partner could not be reached (DNS, TLS, timeout, connection reset)."""


class ResponseTooLargeError(TransportError):
    """A partner's response body went over the client's size limit; reading stopped there.

    ``limit`` is the limit in bytes; ``bytes_read`` how many bytes had been
    counted when the client stopped (bytes as received, or, when ``decoded``,
    bytes after undoing ``Content-Encoding``: a gzip bomb stops here);
    ``url`` the endpoint (without query). Never retried: the same partner
    would send the same body again.
    """

    def __init__(
        self, message: str, *, limit: int, bytes_read: int, url: str, decoded: bool = False
    ):
        super().__init__(message)
        self.limit = limit
        self.bytes_read = bytes_read
        self.url = url
        self.decoded = decoded


class DeadlineExceededError(TransportError):
    """One exchange with a partner (connect, headers, body) went over its wall-clock deadline.

    ``deadline`` is the allowed time in seconds, ``bytes_read`` how many body
    bytes had arrived by then, ``url`` the endpoint (without query). A slow
    partner cannot stretch a call past it by sending a byte now and then.
    """

    def __init__(self, message: str, *, deadline: float, bytes_read: int, url: str):
        super().__init__(message)
        self.deadline = deadline
        self.bytes_read = bytes_read
        self.url = url


class PartnerError(EwpError):
    """A partner answered with an error status.

    ``developer_message`` / ``user_message`` come from the parsed EWP
    ``error-response`` when the partner sent one.
    """

    status: int = 0

    def __init__(
        self,
        message: str,
        *,
        status: int,
        developer_message: str | None = None,
        user_message: str | None = None,
        body: bytes = b"",
    ):
        super().__init__(message)
        self.status = status
        self.developer_message = developer_message
        self.user_message = user_message
        self.body = body


class BadRequest(PartnerError):
    """400: the partner found our request invalid."""


class Unauthorized(PartnerError):
    """401: the partner did not accept our authentication."""


class Forbidden(PartnerError):
    """403: authenticated, but not allowed (unknown key, wrong HEI)."""


class NotFound(PartnerError):
    """404."""


class EditConflict(PartnerError):
    """409: the object changed under us; refetch it and decide again."""


class NotImplementedByPartner(PartnerError):
    """501: the partner does not implement this operation."""


class InvalidParameter(BadRequest):
    """400 answered by a server: a request parameter breaks its API's rules.

    ``parameter`` names it (``iia_id``, ``modified_since``...), or is ``None``
    when the request as a whole is unreadable (a body that is not UTF-8).
    """

    def __init__(self, message: str, *, parameter: str | None, user_message: str | None = None):
        super().__init__(message, status=400, developer_message=message, user_message=user_message)
        self.parameter = parameter


class MethodNotAllowed(PartnerError):
    """405 answered by a server: the endpoint does not take ``method`` (``allowed`` it does)."""

    def __init__(self, message: str, *, method: str, allowed: Sequence[str]):
        super().__init__(message, status=405, developer_message=message)
        self.method = method
        self.allowed = tuple(allowed)


class PayloadTooLarge(PartnerError):
    """413 answered by a server: the request body is over ``limit`` bytes (refused unread)."""

    def __init__(self, message: str, *, limit: int):
        super().__init__(message, status=413, developer_message=message)
        self.limit = limit


class UnsupportedMediaType(PartnerError):
    """415 answered by a server: a POST body of a ``content_type`` the endpoint does not take."""

    def __init__(self, message: str, *, content_type: str):
        super().__init__(message, status=415, developer_message=message)
        self.content_type = content_type


class PartnerServerError(PartnerError):
    """5xx other than 501."""


# -------------------------------------------------------------------------- IIAs


class IiaError(EwpError):
    """An Inter-Institutional Agreement cannot be processed as asked."""


class IiaHashError(IiaError):
    """A declared ``iia-hash`` is not the hash of the agreement's text."""

    def __init__(
        self,
        message: str,
        *,
        iia_id: str | None,
        declared: str,
        computed: str,
        text_to_hash: str | None = None,
    ):
        super().__init__(message)
        self.iia_id = iia_id
        self.declared = declared
        self.computed = computed
        self.text_to_hash = text_to_hash


class IiaNotHashableError(IiaError):
    """The agreement has a shape on which the official kit fails, so its hash is undefined."""

    def __init__(self, message: str, *, element: str, line: int | None):
        super().__init__(message)
        self.element = element
        self.line = line


class IiaLifecycleError(IiaError):
    """A lifecycle step refused for this IIA.

    ``action`` is the step (``add``, ``delete``, ``modify``, ``revert``,
    ``terminate``, ``approve``, ``step``); ``reason`` why (``unknown-iia``,
    ``id-reused``, ``id-changed``, ``no-iia-id``, ``mutually-approved``,
    ``never-approved``, ``exchanges-took-place``, ``no-exchanges``, ``unmapped``).
    """

    def __init__(self, message: str, *, iia_id: str | None, action: str, reason: str):
        super().__init__(message)
        self.iia_id = iia_id
        self.action = action
        self.reason = reason


class ApprovalRefusedError(IiaError):
    """We refuse to approve this IIA.

    ``reason`` is one of ``unmapped``, ``not-valid-for-approval``, ``hash-mismatch``,
    ``wrong-partner``.
    """

    def __init__(
        self,
        message: str,
        *,
        reason: str,
        iia_id: str | None,
        declared: str | None = None,
        computed: str | None = None,
    ):
        super().__init__(message)
        self.reason = reason
        self.iia_id = iia_id
        #: For ``hash-mismatch``: the iia-hash the copy declares and the one computed.
        self.declared = declared
        self.computed = computed


# ----------------------------------------------------------- Learning Agreements


class LearningAgreementError(EwpError):
    """A Learning Agreement operation cannot be carried out."""


class LaUpdateError(LearningAgreementError):
    """An LA ``update`` (approval or comment) failed; what the caller needs comes with it.

    ``update_request`` is the request as the user made it: nothing the user did
    is lost, and it can be sent again as it is. ``error`` is what the call
    raised (also the ``__cause__``): a :class:`TransportError`, a
    :class:`PartnerError` such as :class:`EditConflict` (refetch and decide
    again), an :class:`HttpSignatureError`... After a timeout, a 5xx or a 409
    the client re-reads the LA (``reread``): ``learning_agreement`` is the
    partner's copy as re-read (``None`` when it no longer shows it, or was not
    re-read), ``reread_error`` what re-reading raised when that failed too.
    """

    def __init__(
        self,
        message: str,
        *,
        update_request: LasUpdateRequest,
        error: EwpError,
        reread: bool = False,
        learning_agreement: LearningAgreement | None = None,
        reread_error: EwpError | None = None,
    ):
        super().__init__(message)
        self.update_request = update_request
        self.error = error
        self.reread = reread
        self.learning_agreement = learning_agreement
        self.reread_error = reread_error

    @property
    def status(self) -> int | None:
        """The partner's HTTP status, when the update failed with one (409: edit conflict)."""
        return self.error.status if isinstance(self.error, PartnerError) else None


class AlreadyApplied(LaUpdateError):
    """Our approval or comment is already recorded on the partner's copy.

    The update failed (``error``: a timeout, a 5xx, a 409) but the re-read
    ``learning_agreement`` shows the decision in ``update_request``: nothing
    is left to do.
    """


class StaleProposalError(LearningAgreementError):
    """The ``changes-proposal-id`` is not the LA's current proposal."""

    def __init__(self, message: str, *, expected: str | None, got: str):
        super().__init__(message)
        self.expected = expected
        self.got = got


class LifecycleError(LearningAgreementError):
    """The LA lifecycle does not allow this transition in the current state."""


class UnitContactError(LearningAgreementError):
    """An organisational unit names no contact person for that side of a learning agreement.

    ``ounit_id`` is the unit (``None`` when only contacts were given), ``side``
    ``sending`` or ``receiving``; ``reason`` is ``no-contact`` (no contact
    serves those students) or ``not-a-person`` (the contacts that do lack a
    given name, a family name or an email, which an LA's contact person needs).
    """

    def __init__(self, message: str, *, ounit_id: str | None, side: str, reason: str):
        super().__init__(message)
        self.ounit_id = ounit_id
        self.side = side
        self.reason = reason


# ----------------------------------------------------------- mock control API


class ControlError(EwpError):
    """A mock node's control API (``/_mock/control``) refused a call.

    ``status`` is the HTTP status, ``kind`` the error's name in the answer
    (``schema-invalid``, ``unknown-hei``, ``lifecycle-refused``...), ``detail``
    what it said (a string, or the schema violations as a list).
    """

    def __init__(self, message: str, *, status: int, kind: str, detail: object = None):
        super().__init__(message)
        self.status = status
        self.kind = kind
        self.detail = detail


class ControlBadRequest(ControlError):
    """400: the document or the arguments sent are unusable; the node changed nothing."""


class ControlNotFound(ControlError):
    """404: the object named does not exist (or the node's control API is off)."""


class ControlConflict(ControlError):
    """409: the node refuses the step in the current state (a lifecycle rule)."""
