"""The rooms the applicant tracking systems call: Greenhouse's assessment contract and Teamtailor's partner
webhook. No session, no cookie: each request carries the customer's key (README "Webhooks and ATS partners")."""

from __future__ import annotations

from . import greenhouse, teamtailor  # noqa: F401 - importing registers the views on bp
from ._blueprint import bp

__all__ = ["bp"]
