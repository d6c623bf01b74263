"""The candidate's link: create (or re-create) it, which returns the link and mails it when mail is set up, and
revoke it. Both through ``invitations``, the same service as the manager's buttons."""

from __future__ import annotations

from spectree import Response as Answers

from caseportal.current import db, settings
from caseportal.services import invitations, visibility

from ._blueprint import ID, bp, spec
from .auth import caller
from .schemas import InvitationCreated, Problem

ERRORS = {"HTTP_401": Problem, "HTTP_403": Problem, "HTTP_404": Problem, "HTTP_429": Problem}


@bp.post(f"/meetings/<{ID}:meeting_id>/invitation")
@spec.validate(resp=Answers(HTTP_201=InvitationCreated, **ERRORS),
               tags=["invitations"], operation_id="create_invitation")
def create_invitation(meeting_id: int) -> tuple[InvitationCreated, int]:
    """Issue the candidate's link; any earlier link of the meeting stops working."""
    session = db()
    m = visibility.meeting_for(session, caller(), meeting_id)
    result = invitations.send_invitation(session, m, settings())
    session.commit()
    return InvitationCreated(id=result.invitation.id, url=result.url, expires_at=result.invitation.expires_at,
                             mailed=result.mailed), 201


@bp.delete(f"/meetings/<{ID}:meeting_id>/invitation")
@spec.validate(resp=Answers("HTTP_204", **ERRORS), tags=["invitations"], operation_id="revoke_invitation")
def revoke_invitation(meeting_id: int) -> tuple[str, int]:
    """Withdraw the candidate's link (nothing happens when there is none)."""
    session = db()
    m = visibility.meeting_for(session, caller(), meeting_id)
    invitations.revoke(m)
    session.commit()
    return "", 204
