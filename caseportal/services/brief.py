"""The meeting brief: one agenda for the meeting, for staff and (when shared) for the candidate.

The agenda follows the spirit of a candidate meeting: first what we offer, then the case discussion (the
accepted talking points in order), then the candidate's questions, then next steps.

Two audiences from the same data: "staff" gets everything reviewers prepared (authors, line comments, the
checks' figures, the case's reviewer guide); "candidate" gets what we would like to talk about and nothing that
is only for reviewers: no hidden check names, no "good answer" or trade-off notes, no line comments, no
authors. Who may see a name (blind review) is the caller's decision, passed in as ``candidate_label``.

:func:`render_pdf` turns the brief's HTML into a PDF with WeasyPrint, fetching nothing but caseportal's own
static files: a brief contains markdown written by staff and candidates, and an image URL in it must never make
the server send a request anywhere.
"""

from __future__ import annotations

import mimetypes
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path, PurePosixPath
from typing import Any, Literal
from urllib.parse import unquote, urlsplit

from sqlalchemy.orm import Session

from caseportal.casebook import CaseSpec, Library, ReviewerPrompt
from caseportal.i18n import N_, current_language, ngettext
from caseportal.i18n import gettext as _
from caseportal.models import OFFER_SECTIONS, Meeting, Submission

from . import review as review_svc
from .suggestion_sources import number_label, question_key, split_questions

Audience = Literal["staff", "candidate"]
AUDIENCES: tuple[Audience, ...] = ("staff", "candidate")
#: What a redacted hidden check name reads as in the candidate's version.
HIDDEN_CHECK = N_("a hidden check")
#: Names shorter than this are not redacted (they would cut up ordinary words).
MIN_REDACT_LEN = 3
_MARK = "\x00"
#: "(x, y and 2 more)" once every name in it is redacted: dropped whole.
#: Also in Swedish ("och", "och 2 till"): a reviewer may have accepted the suggestion in either language.
_REDACTED_LIST = re.compile(r"\s*\(\s*" + _MARK + r"(?:\s*(?:,|\band\b|\boch\b)\s*" + _MARK + r")*"
                            r"(?:\s*(?:,\s*)?(?:and \d+ more|och \d+ till))?\s*\)")


@dataclass(frozen=True)
class BriefPoint:
    """One talking point of the case discussion."""

    text: str
    file_path: str = ""
    line: int | None = None
    source: str = "reviewer"
    author: str = ""  # staff only

    @property
    def ref(self) -> str:
        """``path:line`` (or just the path) to look at together; empty when the point has no place."""
        if not self.file_path:
            return ""
        return f"{self.file_path}:{self.line}" if self.line else self.file_path


@dataclass(frozen=True)
class BriefComment:
    """A reviewer's comment on one line (staff only)."""

    file_path: str
    line: int
    body: str
    author: str

    @property
    def ref(self) -> str:
        return f"{self.file_path}:{self.line}"


@dataclass(frozen=True)
class BriefQuestion:
    """A question the candidate asked; ``notes`` are the talking points staff prepared for it (staff only)."""

    text: str
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class BriefCase:
    slug: str
    title: str
    kind: str = ""
    time_estimate_minutes: int | None = None
    submitted_at: datetime | None = None
    points: tuple[BriefPoint, ...] = ()
    # staff only:
    comments: tuple[BriefComment, ...] = ()
    prompts: tuple[ReviewerPrompt, ...] = ()
    checks: str = ""
    metric: str = ""


@dataclass(frozen=True)
class Brief:
    audience: Audience
    meeting_id: int
    #: The candidate's name, or the label that replaces it (blind review); empty in the candidate's version.
    candidate: str
    role_title: str
    team: str
    location: str
    remote: bool
    #: (OFFER_SECTIONS key, markdown) of every offer section that has text, in the fixed order.
    offers: tuple[tuple[str, str], ...]
    starts_at: datetime | None
    timezone: str
    duration_minutes: int
    place: str
    video_link: str
    reviewers: tuple[str, ...]
    cases: tuple[BriefCase, ...]
    questions: tuple[BriefQuestion, ...]
    met: bool = False
    feedback_shared: bool = False
    shared: bool = False
    #: The employer's name: the candidate meets the employer, not caseportal.
    employer: str = ""

    @property
    def for_staff(self) -> bool:
        return self.audience == "staff"

    @property
    def point_count(self) -> int:
        return sum(len(c.points) for c in self.cases)


# --------------------------------------------------------------------------- redaction


def redact(text: str, hidden_names: Iterable[str], remove: Iterable[str] = ()) -> str:
    """``text`` without hidden check names and without reviewer-only notes (``remove``, dropped entirely).

    A parenthesised list that held only hidden names is dropped whole, so "did not pass (`a`, `b`)." reads
    "did not pass."; a hidden name elsewhere reads "a hidden check".
    """
    out = text
    for note in sorted({n.strip() for n in remove if n and n.strip()}, key=len, reverse=True):
        out = out.replace(note, "")
    for name in sorted({s.strip() for s in hidden_names if s and len(s.strip()) >= MIN_REDACT_LEN},
                       key=len, reverse=True):
        out = re.sub(r"`?(?<!\w)" + re.escape(name) + r"(?!\w)`?", _MARK, out)
    out = _REDACTED_LIST.sub("", out)
    out = re.sub(r"[ \t]{2,}", " ", out.replace(_MARK, _(HIDDEN_CHECK)))
    return out.strip()


def _hidden_names(case: CaseSpec | None, summaries: Sequence[dict[str, Any]]) -> set[str]:
    """Every name a hidden check may be known by: the names runs reported, and the hidden check files."""
    names = {c["name"] for s in summaries for c in s["checks"] if not c["visible"]}
    for n in list(names):
        # "tests/test_x.py::test_y" is also known as test_x.py and test_y; plain words are not secrets
        names.update(part for part in re.split(r"::|/", n) if "_" in part or "." in part)
    if case is not None:
        for path in case.hidden_checks:
            p = PurePosixPath(path)
            names.update(n for n in (path, p.name, p.stem) if "_" in n or "." in n)
    return names


def _reviewer_only_notes(case: CaseSpec | None) -> set[str]:
    if case is None:
        return set()
    return {t for p in case.reviewer_prompts for t in (p.good, p.tradeoffs) if t}


# --------------------------------------------------------------------------- building


def _checks_line(summary: dict[str, Any]) -> str:
    counts, hidden = summary["counts"], summary["hidden_counts"]
    if not counts["total"]:
        return (_("The latest full run ended: %(outcome)s.", outcome=summary["outcome"] or summary["status"])
                if summary["outcome"] else "")
    counted = counts["total"] - counts["advisory"]
    if hidden["total"]:
        return ngettext("%(passed)s of %(num)s check passed (hidden checks: %(hidden_passed)s of %(hidden)s).",
                        "%(passed)s of %(num)s checks passed (hidden checks: %(hidden_passed)s of %(hidden)s).",
                        counted, passed=counts["passed"], hidden_passed=hidden["passed"],
                        hidden=hidden["total"] - hidden["advisory"])
    return ngettext("%(passed)s of %(num)s check passed.", "%(passed)s of %(num)s checks passed.", counted,
                    passed=counts["passed"])


def _metric_line(summary: dict[str, Any]) -> str:
    head = summary["headline_metric"]
    if not head:
        return ""
    better = _("lower is better") if head["direction"] == "lower" else _("higher is better")
    value = number_label(head["value"])
    if head["baseline"] is None:
        return _("%(name)s: %(value)s (%(better)s).", name=head["name"], value=value, better=better)
    return _("%(name)s: %(value)s against a baseline of %(baseline)s (%(better)s).", name=head["name"],
             value=value, baseline=number_label(head["baseline"]), better=better)


@dataclass
class _CaseMaterial:
    case: BriefCase
    question_points: dict[str, list[str]] = field(default_factory=dict)
    questions: list[str] = field(default_factory=list)


def _case_material(session: Session, sub: Submission, spec: CaseSpec | None, audience: Audience) -> _CaseMaterial:
    staff = audience == "staff"
    run = review_svc.latest_full_run(session, sub)
    summary = review_svc.run_summary(run, spec) if run is not None else None
    hidden = _hidden_names(spec, [summary] if summary else []) if not staff else set()
    notes = _reviewer_only_notes(spec) if not staff else set()
    questions = split_questions(sub.questions)
    keys = {question_key(q) for q in questions}
    question_points: dict[str, list[str]] = {}
    points: list[BriefPoint] = []
    for p in review_svc.list_talking_points(session, sub):
        if p.source == "questions" and p.suggestion_key in keys:
            question_points.setdefault(p.suggestion_key, []).append(p.text)  # shown under the question itself
            continue
        text = p.text if staff else redact(p.text, hidden, notes)
        points.append(BriefPoint(text=text, file_path=p.file_path, line=p.line, source=p.source,
                                 author=(p.author.name if p.author else "") if staff else ""))
    comments: tuple[BriefComment, ...] = ()
    if staff:
        comments = tuple(BriefComment(c.file_path, c.line, c.body, c.author.name if c.author else "")
                         for c in review_svc.list_comments(session, sub))
    case = BriefCase(
        slug=sub.case_slug, title=spec.text(current_language()).title if spec else sub.case_slug,
        kind=spec.kind if spec else "",
        time_estimate_minutes=spec.time_estimate_minutes if spec else None, submitted_at=sub.submitted_at,
        points=tuple(points), comments=comments,
        prompts=tuple(spec.reviewer_prompts) if staff and spec else (),
        checks=_checks_line(summary) if staff and summary else "",
        metric=_metric_line(summary) if staff and summary else "",
    )
    return _CaseMaterial(case, question_points, questions)


def brief_for(session: Session, meeting: Meeting, casebook: Library, audience: Audience, *,
              candidate_label: str | None = None) -> Brief:
    """The brief of one meeting for ``audience``.

    Only submitted work is discussed (drafts stay private). For staff, when nothing is submitted yet, the
    meeting's cases are listed with their reviewer guide so the meeting can still be prepared.
    ``candidate_label`` replaces the candidate's name (blind review); the candidate's version has no name.
    """
    if audience not in AUDIENCES:
        raise ValueError(f"unknown audience {audience!r}")
    staff = audience == "staff"
    submitted = [s for s in review_svc.submissions_for_meeting(session, meeting) if s.is_submitted]
    cases: list[BriefCase] = []
    questions: list[BriefQuestion] = []
    for sub in submitted:
        material = _case_material(session, sub, casebook.get(sub.case_slug), audience)
        cases.append(material.case)
        for q in material.questions:
            notes = tuple(material.question_points.get(question_key(q), ())) if staff else ()
            questions.append(BriefQuestion(q, notes))
    if staff and not submitted:
        for slug in meeting.case_slugs:
            spec = casebook.get(slug)
            cases.append(BriefCase(slug=slug, title=spec.text(current_language()).title if spec else slug,
                                   kind=spec.kind if spec else "",
                                   time_estimate_minutes=spec.time_estimate_minutes if spec else None,
                                   prompts=tuple(spec.reviewer_prompts) if spec else ()))
    role = meeting.job_role
    return Brief(
        audience=audience,
        meeting_id=meeting.id,
        candidate=(candidate_label or meeting.candidate_name) if staff else "",
        role_title=role.title, team=role.team or "", location=role.location or "", remote=bool(role.remote),
        offers=tuple((name, getattr(role, name)) for name in OFFER_SECTIONS if (getattr(role, name) or "").strip()),
        starts_at=meeting.starts_at, timezone=meeting.timezone, duration_minutes=meeting.duration_minutes,
        place=meeting.place or "", video_link=meeting.video_link or "",
        reviewers=tuple(u.name for u in meeting.reviewers),
        cases=tuple(cases), questions=tuple(questions),
        met=meeting.met_at is not None, feedback_shared=meeting.manager_feedback_shared,
        shared=meeting.brief_shared, employer=role.employer.name if role.employer else "",
    )


def set_shared(meeting: Meeting, shared: bool) -> None:
    """Show (or stop showing) the candidate's version of the brief on the candidate's page."""
    meeting.brief_shared = shared


# --------------------------------------------------------------------------- PDF


@dataclass
class PdfRender:
    """The PDF and every URL WeasyPrint asked for: ``served`` from caseportal's static files, ``refused`` not."""

    pdf: bytes
    served: list[str] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)


def static_file_for(url: str, base_url: str, static_dir: Path, static_url_path: str = "/static") -> Path | None:
    """The file in ``static_dir`` that ``url`` names, or None for anything else (other hosts, other paths,
    ``..`` tricks, folders, missing files)."""
    parts, base = urlsplit(url), urlsplit(base_url)
    if (parts.scheme, parts.netloc) != (base.scheme, base.netloc) or parts.scheme not in ("http", "https"):
        return None
    prefix = static_url_path.rstrip("/") + "/"
    path = unquote(parts.path)
    if not path.startswith(prefix):
        return None
    rel = path[len(prefix):]
    if not rel or "\x00" in rel or "\\" in rel or any(p in ("", ".", "..") for p in rel.split("/")):
        return None
    root = static_dir.resolve()
    target = (root / rel).resolve()
    if not target.is_relative_to(root) or not target.is_file():
        return None
    return target


def render_pdf(html: str, base_url: str, static_dir: Path, static_url_path: str = "/static") -> PdfRender:
    """The HTML as a PDF. Only caseportal's own static files (stylesheets) are served to WeasyPrint; every other
    URL, an image on the internet in a talking point for instance, is refused and listed in ``refused``."""
    import weasyprint  # heavy (Pango, fonts): only loaded when a PDF is asked for
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    result = PdfRender(pdf=b"")

    class OwnStaticFilesOnly(URLFetcher):  # type: ignore[misc]  # weasyprint is untyped, so URLFetcher is Any
        def fetch(self, url: str, headers: Any = None) -> URLFetcherResponse:
            target = static_file_for(url, base_url, static_dir, static_url_path)
            if target is None:
                result.refused.append(url)
                raise ValueError(f"caseportal fetches no external resources for PDFs: {url}")
            result.served.append(url)
            mime = mimetypes.guess_type(target.name)[0] or "application/octet-stream"
            return URLFetcherResponse(url, target.read_bytes(), {"Content-Type": mime})

    result.pdf = weasyprint.HTML(string=html, base_url=base_url, url_fetcher=OwnStaticFilesOnly()).write_pdf()
    return result
