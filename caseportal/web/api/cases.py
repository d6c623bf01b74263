"""The case catalogue: the cases a meeting can attach, by slug."""

from __future__ import annotations

from spectree import Response as Answers

from caseportal.casebook import CaseSpec
from caseportal.current import casebook
from caseportal.services.errors import NotFound

from ._blueprint import bp, spec
from .schemas import Case, CaseList, Problem

SLUG = "string(maxlength=100)"


def case_out(case: CaseSpec) -> Case:
    return Case(slug=case.slug, title=case.title, kind=case.kind, role_family=case.role_family,
                summary=case.summary, time_estimate_minutes=case.time_estimate_minutes,
                languages=list(case.languages), runtime=case.runtime, version=case.version)


@bp.get("/cases")
@spec.validate(resp=Answers(HTTP_200=CaseList, HTTP_401=Problem, HTTP_429=Problem),
               tags=["cases"], operation_id="list_cases")
def list_cases() -> CaseList:
    """List the case catalogue."""
    return CaseList(items=[case_out(c) for c in sorted(casebook().cases.values(), key=lambda c: c.slug)])


@bp.get(f"/cases/<{SLUG}:slug>")
@spec.validate(resp=Answers(HTTP_200=Case, HTTP_401=Problem, HTTP_404=Problem, HTTP_429=Problem),
               tags=["cases"], operation_id="get_case")
def get_case(slug: str) -> Case:
    """Get one case of the catalogue."""
    case = casebook().get(slug)
    if case is None:
        raise NotFound("No case has this slug.")
    return case_out(case)
