"""The candidates' voice, per employer: how the meeting felt, whether it gave a realistic picture of the role,
whether it changed their interest, and their own words. A page a consultant can hand to the client.

Anonymous unless asked otherwise: the figures and comments stand without names, and even when a manager asks for
names, a candidate who withdrew or whose data is erased stays unnamed (their data may no longer be shown).
Which meetings count is decided by ``analytics.Filters`` (employer, dates, and the viewer's employers).
"""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from caseportal.models import CandidateFeedback, Meeting, MeetingRetention

from .analytics import Filters, meeting_ids
from .feedback import INTEREST

RATINGS = ("felt", "realistic", "fair")


@dataclass(frozen=True)
class Answer:
    """One candidate's feedback as the report shows it."""

    given_at: datetime
    employer: str
    role_title: str
    felt: int | None
    realistic: int | None
    fair: int | None
    interest_change: str  # one of INTEREST or ""
    comment: str
    candidate: str  # "" unless names were asked for and may be shown


@dataclass(frozen=True)
class Mean:
    value: float | None
    count: int


@dataclass(frozen=True)
class Report:
    answers: tuple[Answer, ...]  # newest first
    means: dict[str, Mean]  # per name in RATINGS
    interest: dict[str, int]  # per answer in INTEREST

    @property
    def count(self) -> int:
        return len(self.answers)

    @property
    def comments(self) -> list[Answer]:
        return [a for a in self.answers if a.comment]


def _rating(value: int | None) -> int | None:
    return value if value is not None and 1 <= value <= 5 else None


def may_name(meeting: Meeting, rec: MeetingRetention | None) -> bool:
    """A candidate's name may be shown while their data is held: not after they withdrew or it was erased."""
    return rec is None or (rec.withdrawn_at is None and rec.erased_at is None)


def _mean(values: Sequence[int | None]) -> Mean:
    got = [v for v in values if v is not None]
    return Mean(statistics.fmean(got) if got else None, len(got))


def report(session: Session, filters: Filters, *, with_names: bool = False) -> Report:
    """The feedback of the meetings matching ``filters``, with means, interest counts and comments."""
    rows = session.execute(
        select(CandidateFeedback, Meeting, MeetingRetention)
        .join(Meeting, Meeting.id == CandidateFeedback.meeting_id)
        .outerjoin(MeetingRetention, MeetingRetention.meeting_id == Meeting.id)
        .where(CandidateFeedback.meeting_id.in_(meeting_ids(filters)))
        .order_by(CandidateFeedback.created_at.desc(), CandidateFeedback.id.desc())).all()
    answers = tuple(Answer(
        given_at=fb.created_at, employer=m.job_role.employer.name, role_title=m.job_role.title,
        felt=_rating(fb.felt), realistic=_rating(fb.realistic), fair=_rating(fb.fair),
        interest_change=fb.interest_change if fb.interest_change in INTEREST else "",
        comment=(fb.comment or "").strip(),
        candidate=m.candidate_name if with_names and may_name(m, rec) else "",
    ) for fb, m, rec in rows)
    interest = Counter(a.interest_change for a in answers)
    return Report(answers=answers,
                  means={name: _mean([getattr(a, name) for a in answers]) for name in RATINGS},
                  interest={c: interest[c] for c in INTEREST})
