"""The seeded pipeline that both the analytics service tests and the analytics page tests read.

A plain module (no fixtures, no tests): the data is built through ``tests.conftest.Factory``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from caseportal.models import CandidateFeedback, Invitation, JobRole, Meeting
from caseportal.services.pipeline import STAGES
from tests.conftest import Factory

T0 = datetime(2030, 1, 10, 9, 0, tzinfo=UTC)
RATE, CHURN = "api-rate-limiter", "subscription-churn"  # estimates 75 and 120 minutes in the real library
SVG = "{http://www.w3.org/2000/svg}"
HOSTILE = "<script>alert(1)</script> \"&'"


def advance(factory: Factory, m: Meeting, upto: str | None, case: str | None = None, minutes: float = 60) -> None:
    """Take a meeting through the stages up to ``upto`` with fixed times (None: not even invited)."""
    idx = -1 if upto is None else STAGES.index(upto)
    if idx >= 0:
        factory.session.add(Invitation(meeting_id=m.id, nonce=f"n{m.id}", issued_at=T0,
                                       expires_at=T0 + timedelta(days=14),
                                       first_opened_at=T0 + timedelta(hours=1) if idx >= 1 else None))
    if idx >= 2:
        assert case is not None
        sub = factory.submission(m, case=case, version="v1", submitted=idx >= 3, started_at=T0 + timedelta(hours=2),
                                 minutes=minutes)
        sub.reviewed_at = T0 + timedelta(days=2) if idx >= 4 else None
    if idx >= 5:
        m.met_at = T0 + timedelta(days=5)
    factory.session.commit()


@dataclass
class Seed:
    backend: JobRole
    data: JobRole
    meetings: dict[str, Meeting]


def seed(factory: Factory, backend_title: str = "Backend developer", data_title: str = "Data scientist") -> Seed:
    """Nine meetings across two roles and two cases at every stage; five with feedback.

    ======  =======  ==============  ==========  ===================================================
    name    role     cases           furthest    time / feedback
    ======  =======  ==============  ==========  ===================================================
    m1      backend  rate            met         said 80 min; realistic 5, fair 4, more
    m2      backend  rate            submitted   measured 60 min
    m3      backend  rate, churn     opened      (not chosen yet) realistic 2, no case named
    m4      backend  rate            invited
    m5      data     churn           submitted   measured 2 days -> capped 480; realistic 3, fair 2, less
    m6      data     churn           started     draft
    m7      data     rate, churn     submitted   started churn; said 100; realistic 4, fair 5, same, no case named
    m8      data     churn           -           not invited
    m9      data     churn           submitted   measured 30; said 0 (ignored); realistic 7 (ignored), fair 5
    ======  =======  ==============  ==========  ===================================================
    """
    backend, data = factory.job_role(backend_title), factory.job_role(data_title)
    jan3, jan5_late, feb10 = (datetime(2030, 1, 3, 12, tzinfo=UTC), datetime(2030, 1, 5, 23, 30, tzinfo=UTC),
                              datetime(2030, 2, 10, 8, tzinfo=UTC))
    plan: list[tuple[str, JobRole, list[str], str | None, str | None, float, datetime]] = [
        ("m1", backend, [RATE], "met", RATE, 90, jan3),
        ("m2", backend, [RATE], "submitted", RATE, 60, jan3),
        ("m3", backend, [RATE, CHURN], "opened", None, 0, jan3),
        ("m4", backend, [RATE], "invited", None, 0, jan5_late),
        ("m5", data, [CHURN], "submitted", CHURN, 2 * 24 * 60, feb10),
        ("m6", data, [CHURN], "started", CHURN, 0, feb10),
        ("m7", data, [RATE, CHURN], "submitted", CHURN, 20, feb10),
        ("m8", data, [CHURN], None, None, 0, feb10),
        ("m9", data, [CHURN], "submitted", CHURN, 30, feb10),
    ]
    found = {}
    for name, role, cases, upto, case, minutes, created in plan:
        m = factory.meeting(cases=cases, job_role=role, candidate=f"Candidate {name}", created_at=created)
        advance(factory, m, upto, case, minutes)
        found[name] = m
    for name, case, answers in (
            ("m1", RATE, {"minutes_spent": 80, "realistic": 5, "fair": 4, "interest_change": "more"}),
            ("m3", "", {"realistic": 2}),
            ("m5", CHURN, {"realistic": 3, "fair": 2, "interest_change": "less"}),
            ("m7", "", {"minutes_spent": 100, "realistic": 4, "fair": 5, "interest_change": "same"}),
            ("m9", CHURN, {"minutes_spent": 0, "realistic": 7, "fair": 5, "interest_change": "maybe"})):
        factory.session.add(CandidateFeedback(meeting_id=found[name].id, case_slug=case, **answers))
    factory.session.commit()
    return Seed(backend, data, found)
