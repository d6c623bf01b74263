"""Demo data for a first look: staff, two client employers with their brand, a role with a real offer, and a
meeting with an invitation.

Idempotent: running it again finds what it made before (by email and title) and only issues a fresh
candidate link, so the command always has something to print. Passwords are generated on first run
and returned once; only their hashes are stored.
"""

from __future__ import annotations

import io
import secrets
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from typing import NamedTuple
from zoneinfo import ZoneInfo

from PIL import Image, ImageDraw
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from caseportal.casebook import CaseSpec, Library
from caseportal.config import Settings
from caseportal.models import Employer, JobRole, Meeting, MeetingCase, StaffRole, User, utcnow

from . import employers, invitations, timezones, users

DEMO_STAFF: tuple[tuple[str, str, StaffRole], ...] = (
    ("admin@demo.example.org", "Alex Admin", StaffRole.ADMIN),
    ("manager@demo.example.org", "Maria Manager", StaffRole.MANAGER),
    ("reviewer1@demo.example.org", "Robin Reviewer", StaffRole.REVIEWER),
    ("reviewer2@demo.example.org", "Kim Reviewer", StaffRole.REVIEWER),
)
#: A client's hiring manager, tied to the demo role's employer only (see _client_manager).
DEMO_CLIENT_MANAGER = ("client.manager@demo.example.org", "Chris Client")
DEMO_ROLE_TITLE = "Backend developer"
DEMO_CANDIDATE_EMAIL = "sam.candidate@demo.example.org"
DEMO_TIMEZONE = "Europe/Stockholm"

OFFER = {
    "offer_growth": (
        "- A **personal development budget** of 20,000 SEK a year, plus two conference trips\n"
        "- Every Friday afternoon is *learning time*: courses, side projects, reading groups\n"
        "- A mentor from another team from your first week, and a clear path to senior and staff roles\n"
        "- Rotations: after a year you can spend a quarter in another team"
    ),
    "offer_tech": (
        "- **Python 3.12**, FastAPI and Flask services, PostgreSQL 16, Redis\n"
        "- Everything runs on Kubernetes; you deploy with one merge, 20 times a day as a team\n"
        "- Trunk-based development, code review within a working day, feature flags instead of long branches\n"
        "- You pick your own laptop and editor"
    ),
    "offer_benefits": (
        "- Wellness allowance of 5,000 SEK a year (gym, climbing, massage – your choice)\n"
        "- Occupational pension on top of the statutory one, and full salary during parental leave for 6 months\n"
        "- 30 days of paid holiday\n"
        "- Lunch together on Thursdays, on us"
    ),
    "offer_worklife": (
        "- **Flexible hours** around a short core time (10–15)\n"
        "- Work from home up to three days a week, or fully remote within Sweden\n"
        "- No meetings on Wednesdays\n"
        "- On-call is voluntary, paid, and at most one week in six"
    ),
}


#: The demo's client employers: the demo role's, and a second one to tell them apart (both colours pass AA).
DEMO_EMPLOYERS: tuple[dict[str, str], ...] = (
    {"name": "Northwind Payments", "brand_colour": "#1d4ed8",
     "about": ("Northwind Payments moves money for 40,000 small shops in the Nordics. **180 people** in "
               "Stockholm and Gothenburg; engineering owns what it builds, from design to on-call."),
     **OFFER},
    {"name": "Fjällbacka Health", "brand_colour": "#0f766e",
     "about": "Fjällbacka Health builds the booking and journal apps for 60 primary care clinics.",
     "offer_growth": "- A mentor from day one\n- Two conference days a year",
     "offer_worklife": "- Fully remote within Sweden\n- Core hours 10–15"},
)


def _logo(colour: str, letter: str) -> bytes:
    """A simple square logo (the initial on the brand colour), so the demo shows a logo without shipping one."""
    image = Image.new("RGB", (128, 128), colour)
    ImageDraw.Draw(image).text((64, 64), letter, fill="#ffffff", anchor="mm", font_size=88)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def _employers(session: Session) -> list[Employer]:
    found = []
    for values in DEMO_EMPLOYERS:
        employer = session.scalar(select(Employer).where(Employer.name == values["name"]))
        if employer is None:
            fields = {k: v for k, v in values.items() if k != "name"}
            employer = employers.create_employer(session, values["name"], **fields,
                                                 logo=_logo(values["brand_colour"], values["name"][0]))
        found.append(employer)
    return found


class DemoLogin(NamedTuple):
    """A staff login to print; unpacks as ``email, password``."""

    email: str
    password: str | None  # None: the account existed already, its password is not known here


@dataclass(frozen=True)
class DemoInfo:
    logins: list[DemoLogin]
    meeting_id: int
    invitation_url: str
    notes: list[str] = field(default_factory=list)


def _user(session: Session, email: str, name: str, role: StaffRole) -> DemoLogin:
    existing = session.scalar(select(User).where(func.lower(User.email) == email))
    if existing is not None:
        return DemoLogin(existing.email, None)
    password = secrets.token_urlsafe(12)
    users.create_user(session, email=email, name=name, role=role, password=password)
    return DemoLogin(email, password)


def _role(session: Session, employer: Employer) -> JobRole:
    role = session.scalar(select(JobRole).where(JobRole.title == DEMO_ROLE_TITLE).order_by(JobRole.id))
    if role is None:
        role = JobRole(title=DEMO_ROLE_TITLE, team="Payments platform", location="Stockholm", remote=True,
                       role_family="backend", employer=employer, **employers.offer_defaults(employer))
        session.add(role)
        session.flush()
    return role


def _client_manager(session: Session, role: JobRole) -> DemoLogin:
    """A client's own hiring manager, tied to the demo role's employer: logged in, they see only that employer's
    roles, meetings and candidates (services.visibility), unlike the firm-wide demo manager."""
    email, name = DEMO_CLIENT_MANAGER
    login = _user(session, email, name, StaffRole.MANAGER)
    if login.password is not None:
        account = session.scalar(select(User).where(func.lower(User.email) == email))
        assert account is not None
        users.set_access(session, account, firm_wide=False, employer_ids=[role.employer_id])
    return login


def _pick_cases(library: Library) -> list[CaseSpec]:
    """One coding case (a backend one if there is) and one data case, when the library has them."""
    cases = sorted(library.cases.values(), key=lambda c: c.slug)
    coding = sorted((c for c in cases if c.kind == "coding"), key=lambda c: c.role_family != "backend")
    data = [c for c in cases if c.kind == "data"]
    picked = coding[:1] + data[:1]
    return picked or cases[:1]


def seed_demo(session: Session, settings: Settings, casebook: Library, now: datetime | None = None) -> DemoInfo:
    """Create (or find) the demo data and issue a fresh candidate link. The caller commits."""
    now = now or utcnow()
    logins = [_user(session, email, name, role) for email, name, role in DEMO_STAFF]
    staff = {u.email: u for u in session.scalars(select(User).where(User.email.in_([e for e, _, _ in DEMO_STAFF])))}
    role = _role(session, _employers(session)[0])
    logins.append(_client_manager(session, role))
    notes: list[str] = []

    meeting = session.scalar(select(Meeting).where(Meeting.candidate_email == DEMO_CANDIDATE_EMAIL)
                             .order_by(Meeting.id))
    if meeting is None:
        day = (now + timedelta(days=7)).astimezone(ZoneInfo(DEMO_TIMEZONE)).date()
        starts = timezones.to_utc(datetime.combine(day, time(10, 0)), DEMO_TIMEZONE)
        meeting = Meeting(candidate_name="Sam Candidate", candidate_email=DEMO_CANDIDATE_EMAIL, job_role=role,
                          timezone=DEMO_TIMEZONE, starts_at=starts, duration_minutes=60,
                          video_link="https://meet.example.org/backend-sam",
                          case_deadline=starts - timedelta(days=1), blind_review=False,
                          created_by_id=staff["manager@demo.example.org"].id)
        meeting.reviewers = [staff["reviewer1@demo.example.org"], staff["reviewer2@demo.example.org"]]
        picked = _pick_cases(casebook)
        meeting.cases = [MeetingCase(case_slug=c.slug, position=i) for i, c in enumerate(picked)]
        if not picked:
            notes.append("The case library is empty, so the demo meeting has no case attached yet.")
        session.add(meeting)
        session.flush()

    inv = invitations.issue(session, meeting, settings.invitation_days, now=now)
    return DemoInfo(logins=logins, meeting_id=meeting.id, invitation_url=invitations.invitation_url(settings, inv),
                    notes=notes)
