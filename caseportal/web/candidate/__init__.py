"""The candidate's room: everything under /i/<token>/, where the signed invitation link is the only credential.

Every view resolves the token first (access.py) and then only ever looks at that invitation's meeting: a case,
file or run of another meeting is "not found", so nothing leaks. Candidates are guests, so wording is warm and a
refusal always says what happened and that nothing was lost. One module per feature: home (invitation page),
workspace (the case page, start, save), files, checks, handin, materials, feedback, practice (the warm-up);
editor holds the editor's helpers.
"""

from __future__ import annotations

# Importing a feature module registers its views on bp.
from . import (  # noqa: F401
    checks,
    feedback,
    files,
    handin,
    home,
    materials,
    practice,  # noqa: F401  (the warm-up before the real case, issue 15)
    privacy,  # noqa: F401  (the candidate's data, issue 12)
    workspace,
)
from ._blueprint import bp

__all__ = ["bp"]
