"""The doctor's report as one self-contained HTML page, to attach to a ticket.

Everything is inline (style, a few lines of script, no fonts, images or
links to load) and the page forbids itself any other resource through its
Content-Security-Policy, so it opens the same offline, in a mail client or a
ticket system. Every value from the partner is escaped. The summary comes
first; each check is a row whose button opens its evidence.
"""

from __future__ import annotations

import json
from html import escape
from typing import Final

from .report import CheckResult, Report, Status

__all__ = ["render_html"]

_CSP: Final = (
    "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; "
    "img-src data:; base-uri 'none'; form-action 'none'"
)

_STYLE: Final = """
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:0;color:#1d2329;
background:#f6f7f9}
header{padding:18px 24px;background:#fff;border-bottom:1px solid #dde1e6}
h1{font-size:20px;margin:0 0 6px}
.meta{color:#57606a;font-size:13px}
.verdict{display:inline-block;margin-top:10px;padding:4px 10px;border-radius:4px;font-weight:600}
.verdict.ok{background:#dafbe1;color:#116329}.verdict.bad{background:#ffebe9;color:#a40e26}
.counts span{margin-right:14px}
main{padding:16px 24px}
table{border-collapse:collapse;width:100%;background:#fff;border:1px solid #dde1e6}
th,td{text-align:left;padding:7px 10px;border-bottom:1px solid #eef0f3;vertical-align:top}
th{background:#f0f2f5;font-size:12px;text-transform:uppercase;color:#57606a}
tr.check{cursor:pointer}tr.check:hover{background:#f6f8fa}
button.toggle{all:unset;cursor:pointer;font-family:ui-monospace,monospace;color:#0969da}
button.toggle:focus-visible{outline:2px solid #0969da}
.status{font-weight:700;font-size:12px;padding:2px 6px;border-radius:3px}
.status.pass{background:#dafbe1;color:#116329}.status.fail{background:#ffebe9;color:#a40e26}
.status.warn{background:#fff8c5;color:#7d4e00}.status.skip{background:#eaeef2;color:#57606a}
.issue{font-family:ui-monospace,monospace;font-size:12px;color:#8250df}
tr.evidence td{background:#fbfcfd}
pre{margin:0;white-space:pre-wrap;word-break:break-word;font:12px/1.4 ui-monospace,monospace}
"""

_SCRIPT: Final = """
document.addEventListener("DOMContentLoaded", function () {
  function toggle(row) {
    var panel = document.getElementById(row.getAttribute("data-evidence"));
    var open = panel.hidden;
    panel.hidden = !open;
    row.setAttribute("aria-expanded", open ? "true" : "false");
    row.querySelector("button.toggle").textContent = open ? "\\u25BE" : "\\u25B8";
  }
  document.querySelectorAll("tr.check").forEach(function (row) {
    row.addEventListener("click", function () { toggle(row); });
  });
});
"""


def _row(number: int, check: CheckResult) -> str:
    status = check.status.value
    panel = f"evidence-{number}"
    issue = (
        f'<div class="issue">known issue: {escape(check.known_issue)}</div>'
        if check.known_issue
        else ""
    )
    evidence = json.dumps(dict(check.evidence), indent=2, ensure_ascii=False)
    where = f'<div class="meta">{escape(check.url)}</div>' if check.url else ""
    return (
        f'<tr class="check {status}" id="check-{number}" data-check="{escape(check.id)}" '
        f'data-evidence="{panel}" aria-expanded="false">'
        f'<td><button class="toggle" type="button" aria-controls="{panel}">&#9656;</button></td>'
        f'<td><span class="status {status}">{status.upper()}</span></td>'
        f"<td><code>{escape(check.id)}</code><div>{escape(check.title)}</div>{where}</td>"
        f"<td>{escape(check.summary)}{issue}</td></tr>"
        f'<tr class="evidence" id="{panel}" hidden><td></td><td colspan="3">'
        f"<pre>{escape(evidence)}</pre></td></tr>"
    )


def render_html(report: Report) -> str:
    """The whole page (UTF-8 text)."""
    counts = report.count()
    verdict = (
        '<div class="verdict ok">No check failed</div>'
        if report.ok
        else f'<div class="verdict bad">{counts[Status.FAIL.value]} check(s) failed</div>'
    )
    summary = "".join(
        f'<span class="count-{s.value}">{counts[s.value]} {s.value}</span>' for s in Status
    )
    rows = "".join(_row(n, check) for n, check in enumerate(report.checks, 1))
    writes = "run" if report.writes_allowed else "not run (--allow-writes)"
    title = f"ewp doctor: {report.hei_id}"
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{escape(_CSP)}">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)}</title><style>{_STYLE}</style></head><body>"
        f"<header><h1>{escape(title)}</h1>"
        f'<div class="meta">Registry: {escape(report.registry)} &middot; started '
        f"{escape(report.started)} &middot; ewp-client {escape(report.client_version)} "
        f"&middot; checks that make the partner work: {writes}</div>"
        f'{verdict}<div class="counts meta" id="summary">{summary}</div></header>'
        '<main><table id="checks"><thead><tr><th></th><th>Status</th><th>Check</th>'
        f"<th>Result</th></tr></thead><tbody>{rows}</tbody></table></main>"
        f"<script>{_SCRIPT}</script></body></html>\n"
    )
