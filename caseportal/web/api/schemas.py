"""The API's request and response shapes (pydantic): one set of models validates requests and writes the
OpenAPI document, so the two cannot drift apart."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import AwareDatetime, BaseModel, Field, field_validator

#: Database ids; larger numbers are refused before they reach the database.
Id = Annotated[int, Field(ge=1, le=2_147_483_647)]
#: Text stored in the database: no NUL characters (PostgreSQL refuses them).
Text = Annotated[str, Field(pattern=r"^[^\x00]*$")]


class FieldError(BaseModel):
    field: str = Field(description="Dotted path of the field, such as `case_slugs.0`.")
    location: str = Field(description="Where the field is: `body` or `query`.")
    message: str


class Problem(BaseModel):
    """An RFC 9457 problem detail, served as application/problem+json."""

    type: str = "about:blank"
    title: str
    status: int
    detail: str = ""
    errors: list[FieldError] = Field(default_factory=list, description="The invalid fields (422 only).")


class EmployerRef(BaseModel):
    """The client company a role belongs to."""

    id: int
    name: str


class Role(BaseModel):
    id: int
    title: str
    team: str
    location: str
    remote: bool
    role_family: str
    employer: EmployerRef


class RoleList(BaseModel):
    items: list[Role]


class Case(BaseModel):
    slug: str
    title: str
    kind: str
    role_family: str
    summary: str
    time_estimate_minutes: int
    languages: list[str]
    runtime: str
    version: str


class CaseList(BaseModel):
    items: list[Case]


class Person(BaseModel):
    id: int
    name: str


class InvitationState(BaseModel):
    """The meeting's live invitation; its link is returned only when it is created."""

    id: int
    issued_at: datetime
    expires_at: datetime
    first_opened_at: datetime | None
    last_opened_at: datetime | None
    sent_by_mail: bool


class Stage(BaseModel):
    stage: str = Field(description="invited, opened, started, submitted, reviewed or met.")
    at: datetime | None


class MeetingLinks(BaseModel):
    """Staff pages (a staff sign-in is needed to open them)."""

    meeting: str
    review: str = Field(description="The reviewers' page: submissions, runs and talking points.")
    brief: str = Field(description="The meeting brief for the interviewers.")


class Meeting(BaseModel):
    id: int
    candidate_name: str
    candidate_email: str
    role_id: int
    timezone: str
    starts_at: datetime | None
    duration_minutes: int
    place: str
    video_link: str
    case_deadline: datetime | None
    blind_review: bool
    case_slugs: list[str]
    reviewers: list[Person]
    invitation: InvitationState | None
    stages: list[Stage]
    links: MeetingLinks


class MeetingList(BaseModel):
    items: list[Meeting]
    total: int


class MeetingQuery(BaseModel):
    limit: int = Field(default=50, ge=1, le=200)
    offset: int = Field(default=0, ge=0, le=1_000_000)


def _sane_year(value: datetime | None) -> datetime | None:
    """Far-off years are typos and overflow time-zone arithmetic; refused here so the error names the field."""
    if value is not None and not 2000 <= value.year <= 2200:
        raise ValueError("must be between the years 2000 and 2200")
    return value


class MeetingCreate(BaseModel):
    """A new meeting. Times are absolute (RFC 3339 with an offset); the meeting shows them in ``timezone``."""

    candidate_name: Text = Field(min_length=1, max_length=200)
    candidate_email: Text = Field(min_length=3, max_length=254)
    role_id: Id
    case_slugs: list[Annotated[str, Field(min_length=1, max_length=100, pattern=r"^[^\x00]*$")]] = Field(
        min_length=1, max_length=10)
    reviewer_ids: list[Id] = Field(default_factory=list, max_length=20)
    timezone: Text = Field(default="UTC", max_length=64)
    starts_at: AwareDatetime | None = None
    case_deadline: AwareDatetime | None = None
    duration_minutes: int = Field(default=60, ge=5, le=600)
    place: Text = Field(default="", max_length=300)
    video_link: Text = Field(default="", max_length=500)
    blind_review: bool = False

    _years = field_validator("starts_at", "case_deadline")(_sane_year)


class InvitationCreated(BaseModel):
    id: int
    url: str = Field(description="The candidate's link. Earlier links of the meeting stop working.")
    expires_at: datetime
    mailed: bool = Field(description="Whether caseportal mailed the link to the candidate itself.")


class Run(BaseModel):
    id: int
    kind: str = Field(description="check (the candidate's visible checks) or full (every check, after hand-in).")
    status: str = Field(description="queued, running, done or error.")
    outcome: str | None
    created_at: datetime
    finished_at: datetime | None
    duration_s: float | None


class SubmissionLinks(BaseModel):
    review: str = Field(description="The submission's staff page with its talking points.")
    talking_points: str


class Submission(BaseModel):
    id: int
    case_slug: str
    status: str = Field(description="draft (started) or submitted (handed in).")
    started_at: datetime
    submitted_at: datetime | None
    reviewed_at: datetime | None
    latest_run: Run | None
    links: SubmissionLinks


class SubmissionList(BaseModel):
    items: list[Submission]
