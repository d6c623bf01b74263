"""SQLAlchemy 2 typed models, one module per aggregate."""

from .api import ApiKey
from .audit import AuditEvent
from .base import Base, utcnow
from .cases import CaseSnapshot
from .employers import Employer, EmployerStaff
from .feedback import CandidateFeedback, Notification
from .integrations import PartnerConnection, PartnerLink, WebhookAttempt, WebhookDelivery, WebhookEndpoint
from .meetings import OFFER_SECTIONS, Invitation, JobRole, Meeting, MeetingCase, MeetingReviewer
from .retention import MeetingOutcome, MeetingRetention
from .review import DroppedSuggestion, LineComment, TalkingPoint
from .runs import Run, RunArtifact, RunKind, RunStatus
from .runtimes import RuntimeEnvironment
from .submissions import CaseWork, PracticeSubmission, Submission, SubmissionFile, SubmissionStatus
from .users import StaffRole, User
from .workers import WorkerHeartbeat

__all__ = [
    "Base", "utcnow", "CaseSnapshot", "CandidateFeedback", "Notification", "OFFER_SECTIONS", "Invitation", "JobRole",
    "Meeting", "MeetingCase", "MeetingReviewer", "DroppedSuggestion", "LineComment", "TalkingPoint", "Run",
    "RunArtifact", "RuntimeEnvironment",
    "RunKind", "RunStatus", "Submission", "SubmissionFile", "SubmissionStatus", "StaffRole", "User",
    "WorkerHeartbeat",
    "AuditEvent", "MeetingOutcome", "MeetingRetention",
    "PartnerConnection", "PartnerLink", "WebhookAttempt", "WebhookDelivery", "WebhookEndpoint",
    "ApiKey", "Employer", "EmployerStaff",
    "CaseWork", "PracticeSubmission",
]
