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
    │   └── SchemaValidationError .............. violations (the first N), total, more, hint
    │       ├── RequiredElementMissing ......... path, missing
    │       │   ├── ApprovalWithoutIiaId ....... hint: unapproved IIAs must be omitted
    │       │   └── MissingLanguageSkill ....... hint: language requirements missing
    │       └── InvalidValueFormat ............. fields
    ├── HttpSignatureError ..................... status: the HTTP status a server answers
    │   ├── MissingSignatureError (401) ........ no ``Authorization: Signature``
    │   ├── MalformedSignatureError (400) ...... unparsable Signature / Authorization
    │   ├── UnsupportedAlgorithmError (400)
    │   ├── MissingSignedHeaderError (400) ..... header: a required header not signed/sent
    │   ├── HostMismatchError (400)
    │   ├── DateError (400) .................... Date / Original-Date unparsable
    │   │   ├── InvalidDateHeader (400) ........ header, value: not RFC 1123 GMT
    │   │   └── ClockSkewError (400) ........... skew: seconds off, limit, header
    │   ├── RequestIdError (400) ............... X-Request-Id missing or not a lower-case UUID
    │   ├── ReplayError (400) .................. X-Request-Id seen before
    │   ├── DigestError (400) .................. Digest missing / mismatching the body
    │   │   └── DigestMismatch (400) ........... declared, computed
    │   │       └── DigestComputedBeforeEncoding raw_digest, decoded_digest
    │   ├── SignatureMismatchError (400) ....... the RSA signature does not verify
    │   │   └── DateMayBeRewritten ............. date, hint: sign Original-Date
    │   ├── UnknownKeyError (403) .............. key_id: not a known client key
    │   │   └── UnknownSigningKey .............. hint, catalogue_refreshed (responses)
    │   ├── KeyNotAuthorizedError (403) ........ known key, wrong role or HEI
    │   │   └── KeyNotAuthorizedForApi ......... endpoint (responses)
    │   └── ResponseSignatureError ............. response-side checks (client)
    │       ├── UnsignedResponseError .......... a signature was asked for, none came
    │       └── ResponseBindingError ........... X-Request-Id / X-Request-Signature echo wrong
    │           └── ResponseCorrelationError ... header, expected, got
    ├── RegistryError
    │   ├── RegistryUnavailableError ........... no usable catalogue (down, and cache too old)
    │   ├── CatalogueKeyError .................. a published key is unusable (key_id)
    │   └── NoEndpointError .................... no endpoint of API X for HEI Y
    ├── TransportError ......................... network failure talking to a partner
    │   ├── ResponseTooLargeError .............. body over the size limit (limit, bytes_read, url)
    │   ├── DeadlineExceededError .............. exchange too slow (deadline, bytes_read, url)
    │   └── TlsCertificateError ................ certificate refused (problem, verify_message, host)
    ├── PartnerError ........................... a partner answered with an error status
    │   ├── BadRequest (400)
    │   │   ├── InvalidParameter ............... parameter: the request parameter refused (server)
    │   │   └── MaxIdsExceeded ................. sent, max_ids
    │   ├── CnrRejected ........................ a 4xx to a CNR (also of its status's class)
    │   ├── ErrorResponseOn200 ................. an error-response sent with status 200
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
    │   ├── PartnerOrderError .................. expected_hei, got_hei, requested, got_iia_id
    │   ├── IiaNotHashableError ................ the official kit cannot hash it (element, line)
    │   ├── IiaLifecycleError .................. a step the IIA lifecycle refuses (action, reason)
    │   └── ApprovalRefusedError ............... reason: why we refuse to approve
    │       ├── IiaNotMapped ................... remote_iia_id, partner
    │       └── NotValidForApproval ............ version
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

An answer that is wrong but still usable is not an error: the call succeeds
and an :class:`EwpWarning` subclass is issued with :func:`warnings.warn`
(``UnknownIdNotIgnored``, ``StaleApproval``, ``UnstableChangesProposalId``...).
Errors and warnings reporting a known interoperability problem carry its
catalogue id as ``known_issue`` (:mod:`ewp_client.known_issues`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, ClassVar

if TYPE_CHECKING:
    from .models.la import LearningAgreement
    from .models.la_update import LasUpdateRequest

__all__ = [
    "AlreadyApplied",
    "ApprovalOfInvalidIia",
    "ApprovalOfUnmappedIia",
    "ApprovalRefusedError",
    "ApprovalWithoutIiaId",
    "BadRequest",
    "CatalogueKeyError",
    "ClockSkewError",
    "CnrRejected",
    "ConfigError",
    "ControlBadRequest",
    "ControlConflict",
    "ControlError",
    "ControlNotFound",
    "CopyDivergence",
    "CorrelationHeaderNotSigned",
    "DateError",
    "DateMayBeRewritten",
    "DateRewritten",
    "DeadlineExceededError",
    "DigestComputedBeforeEncoding",
    "DigestError",
    "DigestMismatch",
    "DtdForbiddenError",
    "EditConflict",
    "ErrorResponseOn200",
    "EwpError",
    "EwpWarning",
    "FixtureError",
    "Forbidden",
    "HostMismatchError",
    "HttpSignatureError",
    "IiaError",
    "IiaHashError",
    "IiaHashInvalid",
    "IiaLifecycleError",
    "IiaNotHashableError",
    "IiaNotMapped",
    "InvalidDateHeader",
    "InvalidParameter",
    "InvalidValueFormat",
    "KeyFileError",
    "KeyFormatError",
    "KeyNotAuthorizedError",
    "KeyNotAuthorizedForApi",
    "LaApprovalRegressed",
    "LaUpdateError",
    "LearningAgreementError",
    "LifecycleError",
    "MalformedErrorResponse",
    "MalformedSignatureError",
    "MalformedXmlError",
    "MaxIdsExceeded",
    "MaxIdsNotHonoured",
    "MethodNotAllowed",
    "MissingCnrAfterUpdate",
    "MissingLanguageSkill",
    "MissingSignatureError",
    "MissingSignedHeaderError",
    "NoEndpointError",
    "NotFound",
    "NotImplementedByPartner",
    "NotValidForApproval",
    "PartnerError",
    "PartnerOrderError",
    "PartnerServerError",
    "PayloadTooLarge",
    "RegistryError",
    "RegistryUnavailableError",
    "ReplayError",
    "RequestIdError",
    "RequiredElementMissing",
    "ResponseBindingError",
    "ResponseCorrelationError",
    "ResponseSignatureError",
    "ResponseTooLargeError",
    "SchemaValidationError",
    "SignatureMismatchError",
    "StaleApproval",
    "StaleProposalError",
    "StateDirError",
    "StudentNameMissing",
    "TlsCertificateError",
    "TransportError",
    "Unauthorized",
    "UnexpectedDocumentError",
    "UnitContactError",
    "UnknownDocumentError",
    "UnknownIdNotIgnored",
    "UnknownKeyError",
    "UnknownSigningKey",
    "UnsignedResponseError",
    "UnstableChangesProposalId",
    "UnsupportedAlgorithmError",
    "UnsupportedMediaType",
    "Violation",
    "XmlError",
    "XmlRefusedError",
    "XmlTooDeepError",
    "XmlTooLargeError",
    "XmlTooManyAttributesError",
    "cnr_rejected",
]


class EwpError(Exception):
    """Root of every error ``ewp_client`` raises on purpose.

    ``known_issue`` is the id of the interoperability problem the error
    reports, as the known-issues catalogue names it (``httpsig-clock-skew``);
    ``None`` when it reports none (see :mod:`ewp_client.known_issues`).
    """

    known_issue: ClassVar[str | None] = None


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
    ``hint`` says what the violations mean in business terms, when a subclass
    knows (:class:`ApprovalWithoutIiaId`: "unapproved IIAs must be omitted").
    """

    hint: ClassVar[str | None] = None

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
        hint = f" ({self.hint})" if self.hint else ""
        super().__init__(f"<{root}> is not valid: {first}{suffix}{hint}")

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
    """The signed date is too far from our clock (``skew`` in seconds, signed).

    ``header`` is the date header read (``Date`` or ``Original-Date``).
    """

    known_issue = "httpsig-clock-skew"

    def __init__(self, message: str, *, skew: float, limit: float, header: str = "Date"):
        super().__init__(message)
        self.skew = skew
        self.limit = limit
        self.header = header


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

    known_issue = "httpsig-keyid-unknown"
    status = 403

    def __init__(self, message: str, *, key_id: str):
        super().__init__(message)
        self.key_id = key_id


class KeyNotAuthorizedError(HttpSignatureError):
    """The key is known but may not be used here (wrong role, host or HEI)."""

    known_issue = "httpsig-keyid-unknown"
    status = 403

    def __init__(self, message: str, *, key_id: str):
        super().__init__(message)
        self.key_id = key_id


class ResponseSignatureError(HttpSignatureError):
    """A partner's response failed server-authentication checks."""


class UnsignedResponseError(ResponseSignatureError):
    """We asked for a signed response and got an unsigned one (``status``: the HTTP status)."""

    known_issue = "httpsig-response-unsigned"

    def __init__(self, message: str, *, status: int | None = None):
        super().__init__(message)
        self.response_status = status


class ResponseBindingError(ResponseSignatureError):
    """The response does not echo our ``X-Request-Id`` / ``X-Request-Signature``."""

    known_issue = "httpsig-correlation-headers"


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


class TlsCertificateError(TransportError):
    """The partner's TLS certificate was refused, so nothing was sent: ``problem`` says why.

    ``problem`` is ``self-signed``, ``expired``, ``not-yet-valid``, ``wrong-host``
    (issued for other names than ``host``), ``missing-intermediate`` (its issuer
    is unknown here: usually the server does not send the intermediate CA
    certificate with its own, else that CA is not one we trust),
    ``untrusted-root`` or ``untrusted``; ``verify_code`` and ``verify_message``
    are what OpenSSL said; ``url`` the endpoint (without query). Not retried:
    the same certificate would be refused again.
    """

    def __init__(
        self,
        message: str,
        *,
        problem: str,
        verify_code: int,
        verify_message: str,
        host: str,
        url: str,
    ):
        super().__init__(message)
        self.problem = problem
        self.verify_code = verify_code
        self.verify_message = verify_message
        self.host = host
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
        #: Whether the answer was signed (and verified); ``None`` when not checked.
        #: Error answers may go unsigned (TLS only), so this is evidence, not a failure.
        self.signed: bool | None = None


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

    known_issue = "la-update-409-conflict"


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

    known_issue = "iia-hash-invalid"

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


# ------------------------------------------------ known interoperability problems
#
# One class per row of the known-issues catalogue that an existing class did not
# name exactly; each keeps the parent an existing ``except`` clause catches.
# :mod:`ewp_client.known_issues` maps every row to the classes reporting it.


class InvalidDateHeader(DateError):
    """``Date`` / ``Original-Date`` is not an RFC 1123 date in GMT (``header``, ``value``)."""

    known_issue = "httpsig-date-bad-format"

    def __init__(self, message: str, *, header: str, value: str):
        super().__init__(message)
        self.header = header
        self.value = value


class DigestMismatch(DigestError):
    """The ``Digest`` does not match the body bytes as received.

    ``declared`` is the header's SHA-256 value, ``computed`` that of the raw
    (still content-encoded) bytes, ``content_encoding`` the coding they carry.
    """

    known_issue = "httpsig-digest-mismatch"

    def __init__(
        self, message: str, *, declared: str, computed: str, content_encoding: str | None = None
    ):
        super().__init__(message)
        self.declared = declared
        self.computed = computed
        self.content_encoding = content_encoding


class DigestComputedBeforeEncoding(DigestMismatch):
    """The ``Digest`` is that of the body *before* its ``Content-Encoding``: computed too early.

    ``raw_digest`` is the SHA-256 of the bytes as received, ``decoded_digest``
    that of the decoded body (equal to ``declared``). The fix is the sender's:
    compute the digest (and sign) after the framework or proxy compresses.
    """

    reason: ClassVar[str] = "computed before Content-Encoding"

    def __init__(
        self,
        message: str,
        *,
        declared: str,
        raw_digest: str,
        decoded_digest: str,
        content_encoding: str | None,
    ):
        super().__init__(
            message, declared=declared, computed=raw_digest, content_encoding=content_encoding
        )
        self.raw_digest = raw_digest
        self.decoded_digest = decoded_digest


class DateMayBeRewritten(SignatureMismatchError):
    """The signature covering ``Date`` (and no ``Original-Date``) does not verify.

    An intermediary (proxy, CDN) replacing ``Date`` after signing is the usual
    cause: ``date`` is the value received, ``hint`` the fix.
    """

    known_issue = "httpsig-date-rewritten-by-proxy"
    hint: ClassVar[str] = "Date may be rewritten by an intermediary; sign Original-Date"

    def __init__(self, message: str, *, date: str | None):
        super().__init__(message)
        self.date = date


class ResponseCorrelationError(ResponseBindingError):
    """A correlation header is not echoed as sent: ``header``, ``expected`` (ours), ``got``.

    ``got`` is ``None`` when the header is missing; ``expected`` is ``None``
    when the header should not be there at all (an unsigned request).
    """

    def __init__(self, message: str, *, header: str, expected: str | None, got: str | None):
        super().__init__(message)
        self.header = header
        self.expected = expected
        self.got = got


class CorrelationHeaderNotSigned(MissingSignedHeaderError):
    """The response signature does not cover ``X-Request-Id`` / ``X-Request-Signature``."""

    known_issue = "httpsig-correlation-headers"


class UnknownSigningKey(UnknownKeyError):
    """A response is signed with a ``keyId`` the catalogue does not publish.

    ``catalogue_refreshed`` says the catalogue was fetched again before
    concluding; ``hint`` names a likely cause when one is seen (an upper-case
    ``keyId`` whose lower-case form is published).
    """

    def __init__(
        self, message: str, *, key_id: str, hint: str | None = None, catalogue_refreshed: bool
    ):
        super().__init__(message, key_id=key_id)
        self.hint = hint
        self.catalogue_refreshed = catalogue_refreshed


class KeyNotAuthorizedForApi(KeyNotAuthorizedError):
    """The response's key is published, but not as a server key of the host of ``endpoint``."""

    def __init__(self, message: str, *, key_id: str, endpoint: str):
        super().__init__(message, key_id=key_id)
        self.endpoint = endpoint


class RequiredElementMissing(SchemaValidationError):
    """A required element is absent: ``path`` is its parent, ``missing`` the names expected there.

    ``missing`` lists what the schema expected at that point (optional
    elements that may come first included), the required one among them.
    """

    known_issue = "schema-required-field-missing"

    def __init__(
        self,
        violations: Sequence[Violation],
        *,
        namespace: str | None,
        root: str,
        path: str,
        missing: Sequence[str],
        total: int | None = None,
        total_is_exact: bool = True,
    ):
        self.path = path
        self.missing = tuple(missing)
        super().__init__(
            violations, namespace=namespace, root=root, total=total, total_is_exact=total_is_exact
        )


class ApprovalWithoutIiaId(RequiredElementMissing):
    """An IIA Approval ``<approval>`` without ``<iia-id>`` (``path``: that approval)."""

    known_issue = "iia-approval-missing-iia-id"
    hint = "unapproved IIAs must be omitted"


class MissingLanguageSkill(RequiredElementMissing):
    """A student-studies or staff-teacher mobility spec without ``recommended-language-skill``."""

    known_issue = "iia-missing-language-skill"
    hint = "language requirements missing"


class InvalidValueFormat(SchemaValidationError):
    """Values in the wrong format (an e-mail, a URL, a pattern): ``fields`` lists their paths."""

    known_issue = "invalid-value-format"

    @property
    def fields(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(v.path for v in self.violations))


class ErrorResponseOn200(PartnerError):
    """A partner answered 200 with an ``error-response``: an error dressed as a success."""

    known_issue = "error-response-malformed"


class MaxIdsExceeded(BadRequest):
    """400 to a request carrying more ids (``sent``) than the partner's ``max_ids``."""

    known_issue = "max-ids-violation"

    def __init__(self, message: str, *, sent: int, max_ids: int, error: PartnerError):
        super().__init__(
            message,
            status=error.status,
            developer_message=error.developer_message,
            user_message=error.user_message,
            body=error.body,
        )
        self.sent = sent
        self.max_ids = max_ids


class CnrRejected(PartnerError):
    """A partner answered a change notification with a 4xx; notifications are not refused.

    The spec wants 200 for any well-formed CNR (an unknown id included), and
    the refresh done after answering. Not retried. Raised as a class that is
    also the status's error (:class:`BadRequest` for 400...), so existing
    ``except`` clauses keep working; see :func:`cnr_rejected`.
    """

    known_issue = "cnr-rejects-valid-notification"


def cnr_rejected(error: PartnerError) -> CnrRejected:
    """``error`` (a 4xx to a CNR) as a :class:`CnrRejected` that is still of ``type(error)``."""
    rejected = _cnr_rejected_type(type(error))(
        str(error),
        status=error.status,
        developer_message=error.developer_message,
        user_message=error.user_message,
        body=error.body,
    )
    rejected.signed = error.signed
    return rejected


_CNR_REJECTED_TYPES: dict[type[PartnerError], type[CnrRejected]] = {}


def _cnr_rejected_type(status_type: type[PartnerError]) -> type[CnrRejected]:
    if issubclass(status_type, CnrRejected):
        return status_type
    found = _CNR_REJECTED_TYPES.get(status_type)
    if found is None:
        found = type("CnrRejected", (CnrRejected, status_type), {"__module__": __name__})
        _CNR_REJECTED_TYPES[status_type] = found
    return found


class PartnerOrderError(IiaError):
    """An IIAs get answer whose first ``<partner>`` is not the serving HEI with the asked id.

    ``expected_hei`` is the HEI asked, ``got_hei`` the first partner's
    ``hei-id``; ``requested`` the ids asked for, ``got_iia_id`` the first
    partner's ``iia-id``.
    """

    known_issue = "iia-first-partner-mismatch"

    def __init__(
        self,
        message: str,
        *,
        expected_hei: str,
        got_hei: str,
        requested: Sequence[str],
        got_iia_id: str | None,
    ):
        super().__init__(message)
        self.expected_hei = expected_hei
        self.got_hei = got_hei
        self.requested = tuple(requested)
        self.got_iia_id = got_iia_id


class IiaNotMapped(ApprovalRefusedError):
    """Refused approval: a ``<partner>`` lacks its ``iia-id`` (``partner``: its 1-based index).

    ``remote_iia_id`` is the serving partner's id of the agreement.
    """

    known_issue = "iia-partner-id-not-mapped"

    def __init__(self, message: str, *, iia_id: str | None, partner: int | None):
        super().__init__(message, reason="unmapped", iia_id=iia_id)
        self.remote_iia_id = iia_id
        self.partner = partner


class NotValidForApproval(ApprovalRefusedError):
    """Refused approval: the kit says ``valid-for-approval=false`` (v6 markers), or a v6 copy."""

    known_issue = "iia-not-valid-for-approval"

    def __init__(self, message: str, *, iia_id: str | None, version: int):
        super().__init__(message, reason="not-valid-for-approval", iia_id=iia_id)
        self.version = version


# ------------------------------------------------------------------- warnings


class EwpWarning(UserWarning):
    """Root of the warnings ``ewp_client`` issues: a partner's answer was used, but is wrong.

    Issued with :func:`warnings.warn`, so callers filter them or turn them into
    errors the standard way (``warnings.simplefilter("error", EwpWarning)``);
    a service calling partners in the background collects them per exchange
    instead (:func:`ewp_client.partner_warnings.collected`). Like errors, each
    carries its evidence as attributes and the ``known_issue`` it reports.
    """

    known_issue: ClassVar[str | None] = None


class UnknownIdNotIgnored(EwpWarning):
    """A ``get`` for ids the partner does not show was answered ``status`` instead of 200.

    The ids are read as absent (not retried), as the spec's answer would have
    said. ``api``, ``hei_id``, ``ids`` (those refused), ``developer_message``
    and ``excerpt`` (the start of the body) are the evidence.
    """

    known_issue = "unknown-ids-not-ignored"

    def __init__(
        self,
        message: str,
        *,
        api: str,
        hei_id: str,
        ids: Sequence[str],
        status: int,
        developer_message: str | None,
        excerpt: str,
    ):
        super().__init__(message)
        self.api = api
        self.hei_id = hei_id
        self.ids = tuple(ids)
        self.status = status
        self.developer_message = developer_message
        self.excerpt = excerpt


class MaxIdsNotHonoured(EwpWarning):
    """The partner refused (``status``) a batch of ``sent`` ids within its declared ``max_ids``.

    The client asked again one id at a time, which it accepted.
    """

    known_issue = "max-ids-violation"

    def __init__(
        self, message: str, *, api: str, hei_id: str, sent: int, max_ids: int, status: int
    ):
        super().__init__(message)
        self.api = api
        self.hei_id = hei_id
        self.sent = sent
        self.max_ids = max_ids
        self.status = status


class StaleApproval(EwpWarning):
    """A partner's approval of our IIA ``iia_id`` quotes ``approved``, not the ``current`` hash.

    It approved an older version: report "approved an older version", not "approved".
    """

    known_issue = "iia-approval-stale-hash"

    def __init__(self, message: str, *, iia_id: str, approved: str, current: str):
        super().__init__(message)
        self.iia_id = iia_id
        self.approved = approved
        self.current = current


class IiaHashInvalid(EwpWarning):
    """A fetched IIA declares an ``iia-hash`` (``declared``) the kit does not compute.

    ``computed`` is the kit's SHA-256 of ``text_to_hash`` (included so both
    sides can compare their texts). The copy is readable, not approvable.
    """

    known_issue = "iia-hash-invalid"

    def __init__(
        self, message: str, *, iia_id: str | None, declared: str, computed: str, text_to_hash: str
    ):
        super().__init__(message)
        self.iia_id = iia_id
        self.declared = declared
        self.computed = computed
        self.text_to_hash = text_to_hash


class ApprovalOfInvalidIia(EwpWarning):
    """A partner approved our IIA ``iia_id`` although the kit says it is not valid for approval."""

    known_issue = "iia-not-valid-for-approval"

    def __init__(self, message: str, *, iia_id: str, approved: str):
        super().__init__(message)
        self.iia_id = iia_id
        self.approved = approved


class ApprovalOfUnmappedIia(EwpWarning):
    """A partner approved our IIA ``our_iia_id`` but none of its copies is mapped to it.

    ``unmapped`` lists the partner's iia-ids of its copies whose second
    ``<partner>`` carries no ``iia-id``: one of them is likely the agreement.
    """

    known_issue = "iia-partner-id-not-mapped"

    def __init__(
        self, message: str, *, our_iia_id: str, partner_hei_id: str, unmapped: Sequence[str]
    ):
        super().__init__(message)
        self.our_iia_id = our_iia_id
        self.partner_hei_id = partner_hei_id
        self.unmapped = tuple(unmapped)


class CopyDivergence(EwpWarning):
    """A partner's copy changed (``remote_hash``) from ours (``local_hash``) with no CNR since.

    ``last_cnr_at`` is when the partner last notified a change of ``iia_id``
    (``None``: never). Found by comparing a periodic ``index``/``get`` with
    the copy kept; needs the copy from an earlier run.
    """

    known_issue = "iia-copy-stale-no-refresh"

    def __init__(
        self,
        message: str,
        *,
        iia_id: str,
        local_hash: str,
        remote_hash: str,
        last_cnr_at: datetime | None,
    ):
        super().__init__(message)
        self.iia_id = iia_id
        self.local_hash = local_hash
        self.remote_hash = remote_hash
        self.last_cnr_at = last_cnr_at


class DateRewritten(EwpWarning):
    """``Date`` differs from the signed ``Original-Date``: an intermediary rewrote it.

    Verification used ``Original-Date`` (which exists for this), so the answer
    is accepted; ``date`` and ``original_date`` are the two values.
    """

    known_issue = "httpsig-date-rewritten-by-proxy"

    def __init__(self, message: str, *, date: str, original_date: str):
        super().__init__(message)
        self.date = date
        self.original_date = original_date


class MalformedErrorResponse(EwpWarning):
    """A partner's error answer is not a proper ``error-response``; classified by status anyway.

    ``defect`` is ``not-xml``, ``not-error-response`` or ``no-developer-message``;
    ``status``, ``content_type`` and ``excerpt`` (the body's start) are the evidence.
    """

    known_issue = "error-response-malformed"

    def __init__(
        self, message: str, *, status: int, content_type: str | None, excerpt: str, defect: str
    ):
        super().__init__(message)
        self.status = status
        self.content_type = content_type
        self.excerpt = excerpt
        self.defect = defect


class UnstableChangesProposalId(EwpWarning):
    """A changes proposal's id changed without its content, or its content without its id.

    Seen across two reads of ``omobility_id``: ``first_id`` then
    ``second_id``; ``content_changed`` tells which variant (ids equal and
    content changed: an approval could sign the wrong version; ids differ and
    content equal: updates get spurious 409s).
    """

    known_issue = "la-changes-proposal-id-unstable"

    def __init__(
        self,
        message: str,
        *,
        omobility_id: str,
        first_id: str,
        second_id: str,
        content_changed: bool,
    ):
        super().__init__(message)
        self.omobility_id = omobility_id
        self.first_id = first_id
        self.second_id = second_id
        self.content_changed = content_changed


class LaApprovalRegressed(EwpWarning):
    """An LA read earlier with ``approved-changes`` shows only its ``first-version`` now.

    An approval the partner had recorded is gone: typically a duplicate
    update answered 409 that overwrote the first one's success.
    """

    known_issue = "la-update-409-conflict"

    def __init__(self, message: str, *, omobility_id: str):
        super().__init__(message)
        self.omobility_id = omobility_id


class StudentNameMissing(EwpWarning):
    """An LA's top-level ``student`` lacks ``field`` (``family-name`` or ``given-names``).

    The XSD allows it; the spec requires every student field outside a
    changes proposal. ``path`` locates it; no student data is quoted.
    """

    known_issue = "la-student-family-name-missing"

    def __init__(self, message: str, *, omobility_id: str, field: str, path: str):
        super().__init__(message)
        self.omobility_id = omobility_id
        self.field = field
        self.path = path


class MissingCnrAfterUpdate(EwpWarning):
    """No LA CNR came ``waited`` seconds after our update of ``omobility_id`` (information).

    The sending HEI should notify even updates we initiated; without it, a
    lost update answer cannot be told from a failure but by re-reading.
    """

    known_issue = "la-cnr-missing-after-update"

    def __init__(
        self,
        message: str,
        *,
        sending_hei_id: str,
        omobility_id: str,
        updated_at: datetime,
        waited: float,
    ):
        super().__init__(message)
        self.sending_hei_id = sending_hei_id
        self.omobility_id = omobility_id
        self.updated_at = updated_at
        self.waited = waited
