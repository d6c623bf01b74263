"""Pipeline analytics for managers: where candidates drop out, how long the cases really take, what
candidates think of them. Plain functions over the database; no Flask.

Definitions (the page and the CSV say the same):

* **Stages** are ``pipeline.STAGES`` with the times from ``pipeline.pipelines`` (one query per batch).
* **Furthest stage**: the last stage, in STAGES order, that has a time. A meeting *reached* a stage when its
  furthest stage is that stage or a later one, so the funnel never grows from one stage to the next: a
  meeting marked as met counts through every earlier stage, even if, say, the candidate skipped the case.
  The CSV keeps each stage's own time for anyone who wants the raw picture. Meetings that are still under
  way count at the stage they have reached so far.
* **The meeting's case**: the case of the candidate's submission (the handed-in one if the candidate
  started several, else the one started first). Before any submission exists, a meeting with exactly one
  attached case counts under that case; one with several counts under "not chosen yet" (``case_slug``
  None), because the candidate has not picked yet.
* **Time spent**: the candidate's own reported minutes (``CandidateFeedback.minutes_spent``) when given;
  otherwise the wall-clock span from starting to handing in the submission. That span includes breaks and
  nights, so it is capped at ``MEASURED_CAP_MINUTES`` (a working day): beyond that it says nothing more
  about effort, while the row still counts as "took long" in the median.
* **Filters**: by employer, by role, and by the meeting's creation date (UTC calendar days, both ends
  inclusive); always within the employers the viewer may see (``Filters.within``, services.visibility).
"""

from __future__ import annotations

import csv
import io
import statistics
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Literal, TypeVar

from sqlalchemy import Select, select
from sqlalchemy.orm import Session, selectinload

from caseportal.casebook import Library
from caseportal.models import CandidateFeedback, Meeting, Submission, SubmissionStatus

from . import visibility
from .feedback import INTEREST
from .pipeline import STAGES, Stage, pipelines

#: A start-to-hand-in span longer than a working day is capped here (see the module docstring).
MEASURED_CAP_MINUTES = 8 * 60
RATING_RANGE = range(1, 6)
GroupBy = Literal["case", "role"] | None


# --------------------------------------------------------------------------- filters


@dataclass(frozen=True)
class Filters:
    """Which meetings to look at; None means no limit. Dates are UTC calendar days, inclusive."""

    role_id: int | None = None
    since: date | None = None
    until: date | None = None
    employer_id: int | None = None
    within: frozenset[int] | None = None  # the viewer's employers (visibility.employer_ids_for); None: all


Q = TypeVar("Q", bound=Select[Any])


def _filtered(query: Q, filters: Filters) -> Q:
    query = query.where(visibility.meeting_clause(filters.within))
    if filters.employer_id is not None:
        query = query.where(visibility.meeting_clause(frozenset({filters.employer_id})))
    if filters.role_id is not None:
        query = query.where(Meeting.job_role_id == filters.role_id)
    if filters.since is not None:
        query = query.where(Meeting.created_at >= datetime.combine(filters.since, time(), UTC))
    if filters.until is not None:
        query = query.where(Meeting.created_at < datetime.combine(filters.until + timedelta(days=1), time(), UTC))
    return query


def meeting_ids(filters: Filters) -> Select[tuple[int]]:
    """The ids of the meetings matching the filters, as a subquery (the candidates' voice report uses it too)."""
    return _filtered(select(Meeting.id), filters)


# --------------------------------------------------------------------------- one row per meeting


@dataclass(frozen=True)
class MeetingRow:
    """One meeting as the analytics see it: no candidate name or email, they are not needed here."""

    meeting_id: int
    created_at: datetime
    role_id: int
    role_title: str
    case_slug: str | None  # None: several cases attached and none started yet
    case_title: str  # the library title; the slug when the case has left the library; "" without a case
    estimate_minutes: int | None
    stages: tuple[Stage, ...]
    minutes_spent: float | None
    minutes_source: Literal["reported", "measured", ""]
    realistic: int | None = None
    fair: int | None = None
    interest_change: str = ""
    feedback_case_slug: str = ""
    employer: str = ""
    felt: int | None = None

    @property
    def furthest(self) -> str | None:
        """The last stage reached, or None before the invitation is issued."""
        done = [name for name, when in self.stages if when is not None]
        return done[-1] if done else None

    def reached(self, stage: str) -> bool:
        furthest = self.furthest
        return furthest is not None and STAGES.index(furthest) >= STAGES.index(stage)

    def at(self, stage: str) -> datetime | None:
        return dict(self.stages).get(stage)


def chosen_submission(subs: Sequence[Submission]) -> Submission | None:
    """The submission that decides the meeting's case: the handed-in one, else the one started first."""
    if not subs:
        return None
    handed_in = [s for s in subs if s.status == SubmissionStatus.SUBMITTED]
    pool = handed_in or list(subs)
    return min(pool, key=lambda s: (s.started_at, s.id))


def meeting_case(attached: Sequence[str], subs: Sequence[Submission]) -> str | None:
    """The case a meeting counts under (see the module docstring)."""
    chosen = chosen_submission(subs)
    if chosen is not None:
        return chosen.case_slug
    return attached[0] if len(attached) == 1 else None


def _measured_minutes(sub: Submission | None) -> float | None:
    if sub is None or sub.status != SubmissionStatus.SUBMITTED:
        return None
    end = sub.submitted_at or sub.updated_at
    minutes = (end - sub.started_at).total_seconds() / 60
    if minutes <= 0:
        return None  # clocks disagreeing say nothing about effort
    return min(minutes, float(MEASURED_CAP_MINUTES))


def _valid_rating(value: int | None) -> int | None:
    return value if value in RATING_RANGE else None


def meeting_rows(session: Session, casebook: Library, filters: Filters) -> list[MeetingRow]:
    """Every meeting matching the filters, oldest first, with stages, case, time spent and ratings.

    A fixed number of queries whatever the number of meetings: meetings (with invitations and cases),
    the submissions once for ``pipelines`` and once here, and the feedback.
    """
    query = _filtered(select(Meeting), filters).options(
        selectinload(Meeting.invitations), selectinload(Meeting.cases)).order_by(Meeting.created_at, Meeting.id)
    found = list(session.scalars(query).unique())
    if not found:
        return []
    stages = pipelines(session, found)
    ids = [m.id for m in found]
    subs: dict[int, list[Submission]] = defaultdict(list)
    for sub in session.scalars(select(Submission).where(Submission.meeting_id.in_(ids))):
        subs[sub.meeting_id].append(sub)
    feedback = {f.meeting_id: f for f in
                session.scalars(select(CandidateFeedback).where(CandidateFeedback.meeting_id.in_(ids)))}

    rows = []
    for m in found:
        slug = meeting_case(m.case_slugs, subs[m.id])
        spec = casebook.get(slug) if slug else None
        fb = feedback.get(m.id)
        reported = fb.minutes_spent if fb is not None and fb.minutes_spent and fb.minutes_spent > 0 else None
        measured = _measured_minutes(chosen_submission(subs[m.id]))
        source: Literal["reported", "measured", ""]
        if reported is not None:
            spent, source = float(reported), "reported"
        elif measured is not None:
            spent, source = measured, "measured"
        else:
            spent, source = None, ""
        rows.append(MeetingRow(
            meeting_id=m.id, created_at=m.created_at, role_id=m.job_role_id, role_title=m.job_role.title,
            case_slug=slug, case_title=spec.title if spec else (slug or ""),
            estimate_minutes=spec.time_estimate_minutes if spec else None,
            stages=tuple(stages[m.id]), minutes_spent=spent, minutes_source=source,
            realistic=_valid_rating(fb.realistic) if fb else None, fair=_valid_rating(fb.fair) if fb else None,
            interest_change=fb.interest_change if fb and fb.interest_change in INTEREST else "",
            feedback_case_slug=fb.case_slug if fb else "", employer=m.job_role.employer.name,
            felt=_valid_rating(fb.felt) if fb else None,
        ))
    return rows


# --------------------------------------------------------------------------- funnel


@dataclass(frozen=True)
class FunnelStep:
    """How many meetings reached a stage; the drop-off is counted from the stage before."""

    stage: str
    count: int
    dropped: int | None  # None for the first stage
    drop_pct: float | None  # of the previous stage's count; None when there is nothing to drop from
    of_first_pct: float | None  # share of those invited who got this far


@dataclass(frozen=True)
class FunnelGroup:
    """The funnel of one group: key is the case slug, the role id, or None ("not chosen yet" / everything)."""

    key: str | int | None
    label: str
    total: int  # meetings in the group, including those not invited yet
    steps: tuple[FunnelStep, ...]

    def step(self, stage: str) -> FunnelStep:
        return next(s for s in self.steps if s.stage == stage)


def _pct(part: int, whole: int) -> float | None:
    return part * 100 / whole if whole else None


def _funnel_of(key: str | int | None, label: str, rows: Sequence[MeetingRow]) -> FunnelGroup:
    steps: list[FunnelStep] = []
    first = prev = 0
    for i, stage in enumerate(STAGES):
        count = sum(1 for r in rows if r.reached(stage))
        if i == 0:
            first = count
            steps.append(FunnelStep(stage, count, None, None, _pct(count, first)))
        else:
            steps.append(FunnelStep(stage, count, prev - count, _pct(prev - count, prev), _pct(count, first)))
        prev = count
    return FunnelGroup(key, label, len(rows), tuple(steps))


def funnel(rows: Sequence[MeetingRow], group_by: GroupBy = None) -> list[FunnelGroup]:
    """The funnel of all rows (one group, key None), or one per case or per role.

    Per case, the "not chosen yet" group (key None, label "") comes last; groups are otherwise sorted by label.
    """
    if group_by is None:
        return [_funnel_of(None, "", rows)]
    key_of: Callable[[MeetingRow], str | int | None]
    label_of: Callable[[MeetingRow], str]
    if group_by == "case":
        key_of, label_of = (lambda r: r.case_slug), (lambda r: r.case_title)
    elif group_by == "role":
        key_of, label_of = (lambda r: r.role_id), (lambda r: r.role_title)
    else:
        raise ValueError(f"unknown grouping: {group_by!r}")
    groups: dict[str | int | None, list[MeetingRow]] = defaultdict(list)
    for r in rows:
        groups[key_of(r)].append(r)
    result = [_funnel_of(k, label_of(g[0]), g) for k, g in groups.items()]
    return sorted(result, key=lambda g: (g.key is None, g.label.casefold(), str(g.key)))


# --------------------------------------------------------------------------- time spent


@dataclass(frozen=True)
class TimeSpent:
    """The median time spent on a case against its estimate."""

    case_slug: str
    case_title: str
    estimate_minutes: int | None
    median_minutes: float
    ratio: float | None  # median / estimate; above 1 means the case takes longer than we say
    count: int
    reported: int  # how many of the figures the candidates gave themselves
    measured: int


def time_spent(rows: Sequence[MeetingRow]) -> list[TimeSpent]:
    """Per case with at least one known time, sorted by title; rows without a case are left out."""
    per_case: dict[str, list[MeetingRow]] = defaultdict(list)
    for r in rows:
        if r.case_slug is not None and r.minutes_spent is not None:
            per_case[r.case_slug].append(r)
    result = []
    for slug, group in per_case.items():
        median = statistics.median(r.minutes_spent for r in group if r.minutes_spent is not None)
        estimate = group[0].estimate_minutes
        sources = Counter(r.minutes_source for r in group)
        result.append(TimeSpent(slug, group[0].case_title, estimate, float(median),
                                median / estimate if estimate else None, len(group),
                                sources["reported"], sources["measured"]))
    return sorted(result, key=lambda t: (t.case_title.casefold(), t.case_slug))


# --------------------------------------------------------------------------- ratings


@dataclass(frozen=True)
class Ratings:
    """What candidates said about one case: means of the 1..5 ratings and how their interest changed."""

    case_slug: str | None  # None: the case could not be told (no case named, several attached)
    count: int  # feedback given
    realistic_mean: float | None
    realistic_count: int
    fair_mean: float | None
    fair_count: int
    interest: Mapping[str, int]  # more / same / less
    felt_mean: float | None = None
    felt_count: int = 0


def _mean(values: Iterable[int]) -> tuple[float | None, int]:
    got = list(values)
    return (statistics.fmean(got) if got else None), len(got)


def ratings(session: Session, filters: Filters) -> list[Ratings]:
    """Candidates' feedback per case, for the meetings matching the filters.

    The case is the one the candidate named in the feedback, else the meeting's case (as for the funnel).
    Ratings outside 1..5 and unknown interest answers are ignored. Three queries, however many meetings.
    """
    ids = meeting_ids(filters)
    found = list(session.execute(
        select(CandidateFeedback, Meeting).join(Meeting, Meeting.id == CandidateFeedback.meeting_id)
        .where(CandidateFeedback.meeting_id.in_(ids)).options(selectinload(Meeting.cases))
    ).all())
    unnamed = [m.id for fb, m in found if not fb.case_slug]
    subs: dict[int, list[Submission]] = defaultdict(list)
    if unnamed:
        for sub in session.scalars(select(Submission).where(Submission.meeting_id.in_(unnamed))):
            subs[sub.meeting_id].append(sub)
    per_case: dict[str | None, list[CandidateFeedback]] = defaultdict(list)
    for fb, m in found:
        per_case[fb.case_slug or meeting_case(m.case_slugs, subs[m.id])].append(fb)
    result = []
    for slug, group in per_case.items():
        realistic, n_realistic = _mean(v for f in group if (v := _valid_rating(f.realistic)) is not None)
        fair, n_fair = _mean(v for f in group if (v := _valid_rating(f.fair)) is not None)
        felt, n_felt = _mean(v for f in group if (v := _valid_rating(f.felt)) is not None)
        changes = Counter(f.interest_change for f in group)
        result.append(Ratings(slug, len(group), realistic, n_realistic, fair, n_fair,
                              {c: changes[c] for c in INTEREST}, felt, n_felt))
    return sorted(result, key=lambda r: (r.case_slug is None, r.case_slug or ""))


# --------------------------------------------------------------------------- CSV

CSV_COLUMNS: tuple[str, ...] = (
    "meeting_id", "role", "case", "case_title", *STAGES, "furthest_stage", "minutes_spent", "minutes_source",
    "estimate_minutes", "realistic", "fair", "interest_change", "employer", "felt",  # the last two: issue 15
)
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> str:
    """A cell a spreadsheet will not run: text starting like a formula gets a leading apostrophe."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


def iso_utc(value: datetime | None) -> str:
    """ISO 8601 in UTC with a Z, or empty."""
    return value.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z") if value else ""


def _number(value: float | None) -> str:
    if value is None:
        return ""
    return str(int(value)) if float(value).is_integer() else f"{value:.1f}"


def csv_text(rows: Sequence[MeetingRow]) -> str:
    """One line per meeting with the columns of CSV_COLUMNS (machine names, never translated)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for r in rows:
        cells: list[object] = [r.meeting_id, r.role_title, r.case_slug or "", r.case_title,
                               *(iso_utc(r.at(s)) for s in STAGES), r.furthest or "", _number(r.minutes_spent),
                               r.minutes_source, r.estimate_minutes, r.realistic, r.fair, r.interest_change,
                               r.employer, r.felt]
        writer.writerow([safe_cell(c) for c in cells])
    return out.getvalue()
