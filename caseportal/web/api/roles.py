"""Roles we hire for: what an integration maps its jobs to when it creates meetings."""

from __future__ import annotations

from spectree import Response as Answers

from caseportal.current import db
from caseportal.models import JobRole
from caseportal.services import meetings as meeting_svc
from caseportal.services.errors import NotFound

from ._blueprint import ID, bp, spec
from .schemas import EmployerRef, Problem, Role, RoleList


def role_out(role: JobRole) -> Role:
    return Role(id=role.id, title=role.title, team=role.team, location=role.location, remote=role.remote,
                role_family=role.role_family, employer=EmployerRef(id=role.employer.id, name=role.employer.name))


@bp.get("/roles")
@spec.validate(resp=Answers(HTTP_200=RoleList, HTTP_401=Problem, HTTP_429=Problem),
               tags=["roles"], operation_id="list_roles")
def list_roles() -> RoleList:
    """List the roles."""
    return RoleList(items=[role_out(r) for r in meeting_svc.roles(db())])


@bp.get(f"/roles/<{ID}:role_id>")
@spec.validate(resp=Answers(HTTP_200=Role, HTTP_401=Problem, HTTP_404=Problem, HTTP_429=Problem),
               tags=["roles"], operation_id="get_role")
def get_role(role_id: int) -> Role:
    """Get one role."""
    role = db().get(JobRole, role_id)
    if role is None:
        raise NotFound("No role has this id.")
    return role_out(role)
