"""The manager's room: meetings and their pipeline, roles with what we offer, invitations, the case library,
briefs, feedback and analytics.

Every view: role check (decorator), load, per-object check (404 outside the visitor's reach), service call,
commit, redirect. Importing the feature modules registers their views on ``bp``.
"""

from __future__ import annotations

# Importing a feature module registers its views on bp.
from . import (  # noqa: F401
    analytics,
    api_keys,
    audit,
    brief,
    candidate_data,
    cases,
    dashboard,
    employers,
    feedback,
    invitations,
    materials,
    meetings,
    outcome,
    partners,
    retention,
    roles,
    webhooks,
)
from ._blueprint import bp

__all__ = ["bp"]
