"""Staff accounts: login and logout for everyone on the staff, the staff list and its edits for admins.

Importing the feature modules registers their views on ``bp``.
"""

from __future__ import annotations

from . import login, staff
from ._blueprint import bp

__all__ = ["bp", "login", "staff"]
