"""Everything about one EWP call that needs no I/O: the request and the answer.

:class:`EwpCall` says what to ask (API, partner HEI, endpoint, parameters);
:class:`BaseClient` turns it into an ``httpx.Request`` for the endpoint the
Registry names, and turns the partner's answer into a validated XML tree or a
typed error. :class:`~ewp_client.client.EwpClient` and
:class:`~ewp_client.client.AsyncEwpClient` only add the sending.

Every exchange is bounded (:class:`~ewp_client.security.httpx_auth.ReadBudget`):
the body may not exceed ``max_response_size`` bytes, as received or decoded,
and connecting, the headers and the body together may not take longer than
``deadline`` seconds, however the partner spaces its bytes.

The per-API modules build their reads with :func:`read_call` and
:func:`unique_batches`, and their sync and async operations share
:class:`PartnerApi`. (Answering malformed requests is the server's:
:func:`ewp_client.server.bad_request`.)
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Generator, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Final, Generic, TypeVar
from urllib.parse import urlencode

import httpx
from lxml import etree

from ..error_response import (
    excerpt,
    is_error_response,
    malformed_error_response,
    partner_error,
    retryable_status,
)
from ..errors import (
    ConfigError,
    DeadlineExceededError,
    ErrorResponseOn200,
    EwpWarning,
    MaxIdsExceeded,
    MaxIdsNotHonoured,
    NoEndpointError,
    PartnerError,
    RegistryError,
    TransportError,
    UnknownIdNotIgnored,
)
from ..namespaces import ApiVersion
from ..partner_warnings import issue
from ..registry.catalogue import Catalogue
from ..registry.model import HostedApi
from ..security import VERIFIED, EwpAuth, RequestSigner, ResponseVerifier, SigningKey, VerifyResult
from ..security.body import DEFAULT_DEADLINE, DEFAULT_MAX_RESPONSE_SIZE, ReadBudget
from ..security.httpx_auth import BUDGET, UNSIGNED
from ..security.resolver import KeyResolver
from ..xml.parser import parse_xml
from ..xml.validate import validate
from .retry import CallKind, RetryPolicy
from .tls import certificate_error, certificate_failure

if TYPE_CHECKING:
    from ..config import ClientConfig

log = logging.getLogger("ewp_client")

XML_CONTENT_TYPE = "text/xml; charset=utf-8"
FORM_CONTENT_TYPE = "application/x-www-form-urlencoded"

#: Above this many characters of query string, reads are sent as POST forms
#: (servers may limit GET query strings; the spec advises POST for long lists).
MAX_GET_QUERY_LENGTH: Final = 2000

#: What a retry may be decided on: a transport failure, a partner's error status,
#: or the exchange's deadline passing.
Failure = httpx.RequestError | PartnerError | DeadlineExceededError

ClientT = TypeVar("ClientT")


@dataclass(frozen=True, slots=True, kw_only=True)
class EwpCall:
    """One call to a partner's API endpoint.

    ``endpoint`` is the manifest entry's URL element (``get-url``, ``index-url``,
    ``stats-url``, ``update-url``, or ``url`` for single-endpoint APIs).
    Parameters go in the query string for GET and form-encoded in the body for
    POST (the EWP APIs accept both; POST has no URL length limit). ``body`` is an
    XML body (LA updates), sent as ``text/xml``.

    ``validate`` off means the answer is only parsed (hardened) and the caller
    decodes it with :mod:`ewp_client.codec`, which validates it and tolerates
    unknown values of growable enumerations as the specs require (an LA with a
    new ``reason-code`` stays usable); it also spares a second validation.
    """

    api: ApiVersion
    hei_id: str
    endpoint: str
    method: str = "GET"
    params: tuple[tuple[str, str], ...] = ()
    body: bytes | None = None
    kind: CallKind = CallKind.READ
    validate: bool = True

    def __post_init__(self) -> None:
        if self.method not in ("GET", "POST"):
            raise ConfigError(f"EWP calls are GET or POST, not {self.method}")
        if self.body is not None and self.method != "POST":
            raise ConfigError("an XML body needs POST")
        if self.body is not None and self.params:
            raise ConfigError("a call has form parameters or an XML body, not both")


@dataclass(frozen=True, slots=True)
class Answer:
    """A partner's successful answer and where it came from.

    ``tree`` is schema-valid, unless the call was made with ``validate=False``
    (then it is only parsed, and is to be decoded with the codec). ``verified``
    is what the partner's response signature proved (its key, the headers it
    covered), when the response was verified.
    """

    tree: etree._ElementTree
    url: str
    status: int
    request_id: str | None = None
    headers: tuple[tuple[str, str], ...] = field(default=(), repr=False)
    verified: VerifyResult | None = None


class BaseClient:
    """Request building and response handling shared by the sync and async clients."""

    def __init__(
        self,
        *,
        key: SigningKey | None,
        resolver: KeyResolver | None,
        verify_responses: bool = True,
        retry: RetryPolicy | None = None,
        max_response_size: int = DEFAULT_MAX_RESPONSE_SIZE,
        deadline: float | None = DEFAULT_DEADLINE,
        hei_ids: Sequence[str] = (),
        log_personal_data: bool = False,
        refresh_keys: Callable[[], object] | None = None,
        arefresh_keys: Callable[[], Awaitable[object]] | None = None,
    ) -> None:
        if isinstance(max_response_size, bool) or max_response_size < 1:
            raise ConfigError(
                f"max_response_size must be a positive number of bytes, not {max_response_size!r}"
            )
        if deadline is not None and not 0 < deadline < float("inf"):
            raise ConfigError(f"deadline must be a positive number of seconds, not {deadline!r}")
        self.key = key
        self.retry = retry or RetryPolicy()
        self.max_response_size = max_response_size
        self.deadline = deadline
        #: The HEIs we act for (SCHAC ids); see :meth:`our_hei`.
        self.hei_ids = tuple(hei_ids)
        #: The one switch that lets partner text (which may quote students' data) into logs.
        self.log_personal_data = log_personal_data
        signer = RequestSigner(key) if key is not None else None
        verifier = ResponseVerifier(resolver) if verify_responses and resolver else None
        if verify_responses and resolver is None:
            raise ConfigError("verifying partners' response signatures needs a key resolver")
        self.auth = EwpAuth(
            signer,
            verifier,
            max_response_size=max_response_size,
            refresh_keys=refresh_keys,
            arefresh_keys=arefresh_keys,
        )

    def our_hei(self, hei_id: str | None = None) -> str:
        """The HEI we act for in a call: ``hei_id``, or the only one configured.

        A ``hei_id`` outside the configured ``hei_ids`` (when some are
        configured) is a :class:`ConfigError`: our key would not speak for it.
        """
        if hei_id is None:
            if len(self.hei_ids) != 1:
                raise ConfigError(
                    "name the HEI you act for: the client is configured for "
                    f"{len(self.hei_ids)} HEIs ({', '.join(self.hei_ids) or 'none'})"
                )
            return self.hei_ids[0]
        if self.hei_ids and hei_id.lower() not in {h.lower() for h in self.hei_ids}:
            raise ConfigError(
                f"{hei_id!r} is not among the HEIs this client acts for ({', '.join(self.hei_ids)})"
            )
        return hei_id

    def start_exchange(
        self, request: httpx.Request, url: str, timeout: httpx.Timeout
    ) -> ReadBudget:
        """The budget of one exchange, starting now, attached to ``request``.

        httpx's own timeouts (per connect, per read) are capped by the time
        left, so no single wait outlives the deadline.
        """
        budget = ReadBudget.start(
            max_size=self.max_response_size, deadline=self.deadline, url=url.partition("?")[0]
        )
        request.extensions[BUDGET] = budget
        left = budget.remaining()
        if left is not None:
            request.extensions["timeout"] = {
                phase: left if limit is None else min(limit, left)
                for phase, limit in timeout.as_dict().items()
            }
        return budget

    @staticmethod
    def overdue(budget: ReadBudget, error: Failure) -> Failure:
        """``error``, or the deadline error when the exchange failed because its time ran out
        (a watchdog closed the connection, or a capped httpx timeout fired)."""
        if isinstance(error, httpx.RequestError) and budget.expired():
            exceeded = budget.exceeded()
            exceeded.__cause__ = error
            return exceeded
        return error

    @staticmethod
    def endpoint_url(hosted: HostedApi, call: EwpCall) -> str:
        url = hosted.entry.urls.get(call.endpoint)
        if not url:
            raise NoEndpointError(
                f"{call.hei_id}'s {call.api.name} {hosted.entry.version} entry has no "
                f"<{call.endpoint}>",
                hei_id=call.hei_id,
                api=call.api.name,
            )
        return url

    @staticmethod
    def locate(catalogue: Catalogue, call: EwpCall) -> HostedApi:
        return catalogue.find_api(call.hei_id, call.api)

    @staticmethod
    def build_request(call: EwpCall, url: str) -> httpx.Request:
        try:
            return BaseClient._build_request(call, url)
        except httpx.InvalidURL as exc:
            raise RegistryError(
                f"the catalogue's {call.api.name} endpoint for {call.hei_id}, {url!r}, is not a "
                f"usable URL: {exc}"
            ) from exc

    @staticmethod
    def _build_request(call: EwpCall, url: str) -> httpx.Request:
        # Only the encodings whose decoded size the client can bound while reading.
        headers = {"Accept": "text/xml, application/xml", "Accept-Encoding": "gzip, deflate"}
        if call.body is not None:
            headers["Content-Type"] = XML_CONTENT_TYPE
            return httpx.Request("POST", url, content=call.body, headers=headers)
        if call.method == "POST":
            headers["Content-Type"] = FORM_CONTENT_TYPE
            return httpx.Request(
                "POST", url, content=urlencode(call.params).encode(), headers=headers
            )
        return httpx.Request("GET", with_query(url, urlencode(call.params)), headers=headers)

    @staticmethod
    def handle_response(call: EwpCall, url: str, response: httpx.Response) -> Answer:
        """The validated answer of a 200, or the typed :class:`PartnerError` of its status.

        An error answer whose body is not a proper ``error-response`` is still
        classified by its status, with a :class:`MalformedErrorResponse`
        warning; a 200 carrying an ``error-response`` is :class:`ErrorResponseOn200`.
        """
        if response.status_code != 200:
            raise _error_of(response, url)
        tree = validate(response.content) if call.validate else parse_xml(response.content)
        if is_error_response(tree.getroot()):
            error = partner_error(200, response.content, url=url)
            raise ErrorResponseOn200(
                f"{error} (an error-response sent with status 200)",
                status=200,
                developer_message=error.developer_message,
                user_message=error.user_message,
                body=response.content,
            )
        return Answer(
            tree=tree,
            url=url,
            status=response.status_code,
            request_id=response.headers.get("X-Request-Id"),
            headers=tuple(response.headers.multi_items()),
            verified=_verified(response),
        )

    def next_delay(self, call: EwpCall, url: str, failures: int, error: Failure) -> float:
        """Seconds to wait before trying ``call`` again after its ``failures``-th failure.

        When the call is not to be tried again, raises what the caller sees:
        the partner's error itself, or a transport failure as :class:`TransportError`
        (:class:`DeadlineExceededError` when the exchange ran out of time).
        """
        delay = self.retry_delay(call, failures, error)
        if delay is not None:
            return delay
        if isinstance(error, httpx.RequestError):
            raise self.transport_error(call, url, error) from error
        raise error

    def retry_delay(self, call: EwpCall, failures: int, error: Exception) -> float | None:
        """Seconds to wait before trying ``call`` again after ``error``; ``None``: give up."""
        if isinstance(error, PartnerError) and not retryable_status(error.status):
            return None
        if certificate_failure(error) is not None:
            return None  # the same certificate would be refused again
        if not self.retry.may_retry(call.kind, failures):
            return None
        # Only the kind of failure: a partner's error body may quote personal data,
        # unless the deployment lets it into its logs (``log_personal_data``).
        status = error.status if isinstance(error, PartnerError) else type(error).__name__
        if self.log_personal_data and isinstance(error, PartnerError):
            log.info(
                "%s call failed (%s: %s), retry %d",
                call.api.name,
                status,
                error.developer_message,
                failures,
            )
        else:
            log.info("%s call failed (%s), retry %d", call.api.name, status, failures)
        return self.retry.delay(failures)

    @staticmethod
    def transport_error(call: EwpCall, url: str, exc: httpx.RequestError) -> TransportError:
        """A failure to get a usable HTTP response: the network, or a body httpx could not
        decode (a wrong ``Content-Encoding``), as :class:`TransportError`; a refused TLS
        certificate as :class:`~ewp_client.errors.TlsCertificateError`, naming the defect."""
        refused = certificate_error(f"{call.api.name} at {url}", url, exc)
        if refused is not None:
            return refused
        return TransportError(f"{call.api.name} at {url}: {type(exc).__name__}: {exc}")

    @staticmethod
    def batches(ids: Sequence[str], size: int) -> list[list[str]]:
        """``ids`` cut into lists of at most ``size`` (a partner's ``max-*-ids``)."""
        size = max(1, size)
        return [list(ids[i : i + size]) for i in range(0, len(ids), size)]


def configured_options(config: ClientConfig) -> dict[str, Any]:
    """What a client takes from the configuration besides its Registry and HTTP client.

    One list for :meth:`EwpClient.from_config` and its async twin: the signing
    key, the HEIs we act for, the personal-data switch and the limits.
    """
    return {
        "key": config.signing_key(),
        "hei_ids": config.hei_ids,
        "log_personal_data": config.log_personal_data,
        "max_response_size": config.max_response_size,
        "deadline": config.deadline,
    }


def with_query(url: str, query: str) -> str:
    """``url`` with ``query`` appended to the query it may already have (catalogue URLs can)."""
    url = url.partition("#")[0]
    if not query:
        return url
    if "?" not in url:
        return f"{url}?{query}"
    return url + query if url.endswith(("?", "&")) else f"{url}&{query}"


def unique_batches(ids: Sequence[str], max_ids: int) -> list[list[str]]:
    """``ids`` without repeats (first-seen order), cut into lists of at most ``max_ids``."""
    return BaseClient.batches(list(dict.fromkeys(ids)), max_ids)


def read_call(
    api: ApiVersion,
    hei_id: str,
    endpoint: str,
    params: Sequence[tuple[str, str]] = (),
    max_query_length: int = MAX_GET_QUERY_LENGTH,
) -> EwpCall:
    """A read of ``endpoint``: GET, or a POST form when the query exceeds ``max_query_length``.

    Without ``params`` it is a plain GET (``stats``), or the call that only
    serves to find a partner's manifest entry and the limits it publishes.
    """
    method = "POST" if len(urlencode(params)) > max_query_length else "GET"
    return EwpCall(
        validate=False,
        api=api,
        hei_id=hei_id,
        endpoint=endpoint,
        method=method,
        params=tuple(params),
        kind=CallKind.READ,
    )


class PartnerApi(Generic[ClientT]):
    """What the per-API operations share: the client they send through, and the read limit.

    ``ClientT`` is :class:`~ewp_client.client.EwpClient` for the blocking
    operations and :class:`~ewp_client.client.AsyncEwpClient` for their async twins.
    """

    def __init__(self, client: ClientT, *, max_query_length: int = MAX_GET_QUERY_LENGTH) -> None:
        self.client = client
        self.max_query_length = max_query_length


# ------------------------------------------------- gets that refuse ids they should skip

#: What a ``get`` answers instead of 200 when it does not skip unknown ids (known
#: issue ``unknown-ids-not-ignored``); a 5xx is a server fault and is not read so.
ID_REFUSAL_STATUSES: Final = frozenset({400, 404})


def refuses_ids(error: BaseException) -> bool:
    """Whether ``error`` is a partner's refusal of a ``get`` that should have skipped ids."""
    return (
        isinstance(error, PartnerError)
        and not isinstance(error, ErrorResponseOn200)
        and error.status in ID_REFUSAL_STATUSES
    )


def rejects_notification(error: BaseException) -> bool:
    """Whether ``error`` is a partner refusing a well-formed CNR (a 4xx other than 401/403).

    The specs want 200 for every well-formed notification, an unknown id
    included (known issue ``cnr-rejects-valid-notification``); 401/403 are about
    our credentials, not the notification.
    """
    return (
        isinstance(error, PartnerError)
        and not isinstance(error, ErrorResponseOn200)
        and 400 <= error.status < 500
        and error.status not in (401, 403)
    )


def ids_of(call: EwpCall, parameter: str) -> list[str]:
    """The values of ``parameter`` (the ids) ``call`` carries."""
    return [value for name, value in call.params if name == parameter]


def single_id_calls(call: EwpCall, parameter: str) -> list[EwpCall]:
    """``call`` asked again one id at a time (its other parameters kept)."""
    others = tuple((n, v) for n, v in call.params if n != parameter)
    return [
        replace(call, method="GET", params=(*others, (parameter, one)))
        for one in ids_of(call, parameter)
    ]


def batch_refused(
    call: EwpCall, parameter: str, max_ids: int, error: PartnerError
) -> MaxIdsExceeded | None:
    """:class:`MaxIdsExceeded` when a 400 refused more ids than the partner's ``max_ids``;
    ``None`` when the ids are to be asked again one at a time."""
    sent = len(ids_of(call, parameter))
    if error.status == 400 and sent > max_ids:
        return MaxIdsExceeded(
            f"{call.api.name}: {sent} {parameter} values sent, over {call.hei_id}'s "
            f"max of {max_ids} ({error})",
            sent=sent,
            max_ids=max_ids,
            error=error,
        )
    return None


def unknown_ids_warning(call: EwpCall, parameter: str, error: PartnerError) -> UnknownIdNotIgnored:
    """The warning for a ``get`` of one id answered ``error`` instead of 200 without it."""
    ids = ids_of(call, parameter)
    return UnknownIdNotIgnored(
        f"{call.api.name} get at {call.hei_id}: {parameter} {', '.join(ids)} answered "
        f"HTTP {error.status} instead of 200 without it; read as absent",
        api=call.api.name,
        hei_id=call.hei_id,
        ids=ids,
        status=error.status,
        developer_message=error.developer_message,
        excerpt=excerpt(error.body),
    )


def max_ids_warning(
    call: EwpCall, parameter: str, max_ids: int, error: PartnerError
) -> MaxIdsNotHonoured:
    """The warning for a batch within ``max_ids`` refused, then answered one id at a time."""
    sent = len(ids_of(call, parameter))
    return MaxIdsNotHonoured(
        f"{call.api.name} get at {call.hei_id}: a batch of {sent} {parameter} values (its "
        f"max-ids is {max_ids}) answered HTTP {error.status}; each id alone was answered",
        api=call.api.name,
        hei_id=call.hei_id,
        sent=sent,
        max_ids=max_ids,
        status=error.status,
    )


def reading_ids(
    calls: Sequence[EwpCall], parameter: str, max_ids: int, warned: list[EwpWarning]
) -> Generator[EwpCall, Answer | PartnerError, list[Answer]]:
    """The decisions of ``read_ids``, with no I/O: which call to send next, and the answers.

    Yields each call to send and is sent back its answer, or the
    :class:`PartnerError` it raised; returns the answers. A partner refusing a
    batch (400/404) instead of skipping the ids it does not show is asked again
    one id at a time: an id refused alone is read as absent (an
    :class:`UnknownIdNotIgnored` appended to ``warned``), a batch whose ids are
    each answered was refused for its size (:class:`MaxIdsNotHonoured`). A 400 to
    more ids than ``max_ids`` raises :class:`MaxIdsExceeded`; any other error
    is raised as it came.
    """
    answers: list[Answer] = []
    for call in calls:
        result = yield call
        if not isinstance(result, PartnerError):
            answers.append(result)
            continue
        if not refuses_ids(result):
            raise result
        exceeded = batch_refused(call, parameter, max_ids, result)
        if exceeded is not None:
            raise exceeded from result
        singles = single_id_calls(call, parameter)
        if len(singles) == 1:
            warned.append(unknown_ids_warning(call, parameter, result))
            continue
        refused = 0
        for single in singles:
            alone = yield single
            if not isinstance(alone, PartnerError):
                answers.append(alone)
                continue
            if not refuses_ids(alone):
                raise alone
            refused += 1
            warned.append(unknown_ids_warning(single, parameter, alone))
        if not refused:
            warned.append(max_ids_warning(call, parameter, max_ids, result))
    return answers


def _error_of(response: httpx.Response, url: str) -> PartnerError:
    """The typed error of a non-200 answer, noting whether it was signed; warns when its
    body is not a proper ``error-response`` (known issue ``error-response-malformed``)."""
    body = response.content
    malformed = malformed_error_response(
        response.status_code, body, response.headers.get("Content-Type")
    )
    if malformed is not None:
        issue(malformed, stacklevel=4)
    error = partner_error(response.status_code, body, url=url)
    if _verified(response) is not None:
        error.signed = True
    elif response.extensions.get(UNSIGNED) is True:
        error.signed = False
        error.args = (f"{error} (unsigned answer)",)
    return error


def _verified(response: httpx.Response) -> VerifyResult | None:
    result = response.extensions.get(VERIFIED)
    return result if isinstance(result, VerifyResult) else None
