"""ewp_client: a typed library for the Erasmus Without Paper (EWP) network.

The protocol lives here once, as code that does no I/O (parsing, validation,
signing, hashing, lifecycles); HTTP happens only at the edges. What a user
starts with is here: the clients (:class:`EwpClient`, :class:`AsyncEwpClient`
and the per-API clients over them), the Registry client, the signing key, XML
validation, and every error (all derive from :class:`EwpError`). The rest
lives in the subpackages (``models``, ``codec``, ``iia``, ``ola``, ``security``...);
a node's business clock (:class:`ManualClock` for tests) and its change-notification
:class:`Outbox` are here too.
Importing this package does not import the mock partner's web framework.
"""

import typing as _typing

from ._lazy import lazy_attributes as _lazy_attributes
from ._version import __version__ as __version__
from .errors import (
    AlreadyApplied,
    ApprovalRefusedError,
    BadRequest,
    CatalogueKeyError,
    ClockSkewError,
    ConfigError,
    DateError,
    DeadlineExceededError,
    DigestError,
    DtdForbiddenError,
    EditConflict,
    EwpError,
    FixtureError,
    Forbidden,
    HostMismatchError,
    HttpSignatureError,
    IiaError,
    IiaHashError,
    IiaLifecycleError,
    IiaNotHashableError,
    InvalidParameter,
    KeyFileError,
    KeyFormatError,
    KeyNotAuthorizedError,
    LaUpdateError,
    LearningAgreementError,
    LifecycleError,
    MalformedSignatureError,
    MalformedXmlError,
    MethodNotAllowed,
    MissingSignatureError,
    MissingSignedHeaderError,
    NoEndpointError,
    NotFound,
    NotImplementedByPartner,
    PartnerError,
    PartnerServerError,
    PayloadTooLarge,
    RegistryError,
    RegistryUnavailableError,
    ReplayError,
    RequestIdError,
    ResponseBindingError,
    ResponseSignatureError,
    ResponseTooLargeError,
    SchemaValidationError,
    SignatureMismatchError,
    StaleProposalError,
    StateDbError,
    StateDirError,
    TransportError,
    Unauthorized,
    UnexpectedDocumentError,
    UnitContactError,
    UnknownDocumentError,
    UnknownKeyError,
    UnsignedResponseError,
    UnsupportedAlgorithmError,
    UnsupportedMediaType,
    Violation,
    XmlError,
    XmlRefusedError,
    XmlTooDeepError,
    XmlTooLargeError,
    XmlTooManyAttributesError,
)
from .xml import ParserLimits, is_valid, parse_xml, validate

if _typing.TYPE_CHECKING:
    from .client import AsyncEwpClient, EwpClient, RetryPolicy
    from .client.echo import AsyncEchoClient, EchoClient
    from .client.iia_approval import AsyncIiaApprovalClient, IiaApprovalClient
    from .client.iia_cnr import AsyncIiaCnrClient, IiaCnrClient
    from .client.iias import AsyncIiasClient, IiasClient
    from .client.la_cnr import AsyncLaCnrClient, LaCnrClient
    from .client.las import AsyncLasClient, LasClient, Signer
    from .clock import ManualClock, SystemClock
    from .cnr import Outbox, OutboxPolicy, OutgoingNotification
    from .registry import AsyncRegistryClient, RegistryClient
    from .security import SigningKey

#: The clients, the Registry client and the signing key pull in httpx, asyncio,
#: cryptography and every model; they are imported on first use (PEP 562), so
#: ``import ewp_client`` (and every ``ewp`` command) stays as cheap as the
#: errors and the XML layer. Each name maps to the module that defines it.
_LAZY: dict[str, str] = {
    "AsyncEchoClient": ".client.echo",
    "AsyncEwpClient": ".client",
    "AsyncIiaApprovalClient": ".client.iia_approval",
    "AsyncIiaCnrClient": ".client.iia_cnr",
    "AsyncIiasClient": ".client.iias",
    "AsyncLaCnrClient": ".client.la_cnr",
    "AsyncLasClient": ".client.las",
    "AsyncRegistryClient": ".registry",
    "EchoClient": ".client.echo",
    "EwpClient": ".client",
    "IiaApprovalClient": ".client.iia_approval",
    "IiaCnrClient": ".client.iia_cnr",
    "IiasClient": ".client.iias",
    "LaCnrClient": ".client.la_cnr",
    "LasClient": ".client.las",
    "ManualClock": ".clock",
    "Outbox": ".cnr",
    "OutboxPolicy": ".cnr",
    "OutgoingNotification": ".cnr",
    "RegistryClient": ".registry",
    "RetryPolicy": ".client",
    "Signer": ".client.las",
    "SigningKey": ".security",
    "SystemClock": ".clock",
}


__getattr__, __dir__ = _lazy_attributes(__name__, globals(), _LAZY)


__all__ = [
    "AlreadyApplied",
    "ApprovalRefusedError",
    "AsyncEchoClient",
    "AsyncEwpClient",
    "AsyncIiaApprovalClient",
    "AsyncIiaCnrClient",
    "AsyncIiasClient",
    "AsyncLaCnrClient",
    "AsyncLasClient",
    "AsyncRegistryClient",
    "BadRequest",
    "CatalogueKeyError",
    "ClockSkewError",
    "ConfigError",
    "DateError",
    "DeadlineExceededError",
    "DigestError",
    "DtdForbiddenError",
    "EchoClient",
    "EditConflict",
    "EwpClient",
    "EwpError",
    "FixtureError",
    "Forbidden",
    "HostMismatchError",
    "HttpSignatureError",
    "IiaApprovalClient",
    "IiaCnrClient",
    "IiaError",
    "IiaHashError",
    "IiaLifecycleError",
    "IiaNotHashableError",
    "IiasClient",
    "InvalidParameter",
    "KeyFileError",
    "KeyFormatError",
    "KeyNotAuthorizedError",
    "LaCnrClient",
    "LaUpdateError",
    "LasClient",
    "LearningAgreementError",
    "LifecycleError",
    "MalformedSignatureError",
    "MalformedXmlError",
    "ManualClock",
    "MethodNotAllowed",
    "MissingSignatureError",
    "MissingSignedHeaderError",
    "NoEndpointError",
    "NotFound",
    "NotImplementedByPartner",
    "Outbox",
    "OutboxPolicy",
    "OutgoingNotification",
    "ParserLimits",
    "PartnerError",
    "PartnerServerError",
    "PayloadTooLarge",
    "RegistryClient",
    "RegistryError",
    "RegistryUnavailableError",
    "ReplayError",
    "RequestIdError",
    "ResponseBindingError",
    "ResponseSignatureError",
    "ResponseTooLargeError",
    "RetryPolicy",
    "SchemaValidationError",
    "SignatureMismatchError",
    "Signer",
    "SigningKey",
    "StaleProposalError",
    "StateDbError",
    "StateDirError",
    "SystemClock",
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
    "is_valid",
    "parse_xml",
    "validate",
]
