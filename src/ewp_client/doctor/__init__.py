"""``ewp doctor``: check a partner's EWP endpoints and say what is wrong, with evidence.

:class:`Doctor` (:mod:`.runner`) sends the requests through an
:class:`~ewp_client.client.EwpClient`; :mod:`.judge` and :mod:`.tls` judge
what came back with the client's own diagnoses (no I/O); a :class:`Report`
holds one :class:`CheckResult` per check and renders as text, JSON
(:meth:`Report.to_json`) or one self-contained HTML page (:func:`render_html`).
"""

from .evidence import (
    Check,
    Exchange,
    error_evidence,
    known_issue_of,
    warning_evidence,
    with_warnings,
)
from .html import render_html
from .judge import Judge
from .report import CheckResult, Report, Status, text_lines
from .runner import APIS, Doctor, DoctorOptions
from .tls import DEFAULT_EXPIRY_DAYS, TLS_ISSUES, TlsProbe, judge_tls, probe_tls

__all__ = [
    "APIS",
    "DEFAULT_EXPIRY_DAYS",
    "TLS_ISSUES",
    "Check",
    "CheckResult",
    "Doctor",
    "DoctorOptions",
    "Exchange",
    "Judge",
    "Report",
    "Status",
    "TlsProbe",
    "error_evidence",
    "judge_tls",
    "known_issue_of",
    "probe_tls",
    "render_html",
    "text_lines",
    "warning_evidence",
    "with_warnings",
]
