"""What ``ewp doctor`` found: one :class:`CheckResult` per check, gathered in a :class:`Report`.

A check passes, fails, warns (works, but something an engineer should look
at: a certificate expiring soon, a clock a minute off) or is skipped (not
applicable, or it would change the partner's data and was not allowed). Each
result carries its ``evidence``: plain JSON values (statuses, headers, ids,
the library error's type and fields) that let someone who was not there see
why, and the id of the problem in the catalogue of known interoperability
problems (``known_issue``) when the failure is a catalogued one.
"""

from __future__ import annotations

import enum
import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = ["CheckResult", "Report", "Status", "text_lines"]


class Status(enum.Enum):
    """A check's verdict; the order is severity (``fail`` worst)."""

    PASS = "pass"
    WARN = "warn"
    SKIP = "skip"
    FAIL = "fail"


@dataclass(frozen=True, slots=True, kw_only=True)
class CheckResult:
    """One check: a stable ``id`` (``iias.get.unknown-id``), what it checks and what it saw.

    ``api`` is the manifest entry's name (``iias``), ``None`` for checks of the
    partner as a whole (TLS, the Registry); ``url`` the endpoint, when one.
    """

    id: str
    title: str
    status: Status
    summary: str
    api: str | None = None
    url: str | None = None
    evidence: Mapping[str, Any] = field(default_factory=dict)
    known_issue: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "status": self.status.value,
            "summary": self.summary,
            "api": self.api,
            "url": self.url,
            "known_issue": self.known_issue,
            "evidence": dict(self.evidence),
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class Report:
    """Every check made against ``hei_id``, in the order made.

    ``registry`` is the catalogue the partner was looked up in; ``started``
    an ISO 8601 UTC time; ``writes_allowed`` whether checks that make the
    partner do work or change data were run.
    """

    hei_id: str
    registry: str
    started: str
    checks: tuple[CheckResult, ...]
    writes_allowed: bool = False
    client_version: str = ""

    @property
    def ok(self) -> bool:
        """No check failed (warnings and skipped checks do not make a report fail)."""
        return all(c.status is not Status.FAIL for c in self.checks)

    def count(self) -> dict[str, int]:
        """How many checks ended in each status (every status listed, ``0`` included)."""
        counts = {status.value: 0 for status in Status}
        for check in self.checks:
            counts[check.status.value] += 1
        return counts

    def failed(self) -> Iterator[CheckResult]:
        return (c for c in self.checks if c.status is Status.FAIL)

    def to_json(self) -> dict[str, Any]:
        """The ``--json`` document (and the data of the HTML page)."""
        return {
            "hei_id": self.hei_id,
            "registry": self.registry,
            "started": self.started,
            "client_version": self.client_version,
            "writes_allowed": self.writes_allowed,
            "ok": self.ok,
            "summary": self.count(),
            "checks": [c.to_json() for c in self.checks],
        }


_MARK = {Status.PASS: "PASS", Status.WARN: "WARN", Status.SKIP: "SKIP", Status.FAIL: "FAIL"}


def text_lines(report: Report, *, evidence: bool = True) -> Iterable[str]:
    """The report as text: one line per check; the evidence of each check that did not pass."""
    counts = report.count()
    yield f"ewp doctor {report.hei_id} (registry: {report.registry}, {report.started})"
    for check in report.checks:
        issue = f" [known issue: {check.known_issue}]" if check.known_issue else ""
        yield f"{_MARK[check.status]}  {check.id}: {check.summary}{issue}"
        if evidence and check.status in (Status.FAIL, Status.WARN):
            for name, value in check.evidence.items():
                yield f"      {name}: {_one_line(value)}"
    yield (
        f"{counts['pass']} passed, {counts['fail']} failed, {counts['warn']} warnings, "
        f"{counts['skip']} skipped"
    )


def _one_line(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 300 else text[:297] + "..."
