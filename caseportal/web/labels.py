"""Display labels that more than one audience shows (stages, case kinds, runtimes, the offer's sections, staff
roles).

Lazy strings, so each request renders them in its own language. The offer's sections have one set of names for
staff and candidates alike: what a manager fills in is what the candidate reads.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from caseportal.models import StaffRole

STAGE_LABELS = {
    "invited": _l("invited"),
    "opened": _l("opened"),
    "started": _l("started"),
    "submitted": _l("submitted"),
    "reviewed": _l("reviewed"),
    "met": _l("met"),
}
KIND_LABELS = {"coding": _l("Coding"), "data": _l("Data"), "ux": _l("UX")}
RUNTIME_LABELS = {
    "python": _l("Python checks"),
    "datasci": _l("Python data-science checks"),
    "browser": _l("Browser checks"),
    "none": _l("No automated checks"),
}
#: The offer's four sections: one name each, the same on the role form, the candidate's page and the brief
#: (docs/style-en.md, docs/style-sv.md).
OFFER_LABELS = {
    "offer_growth": _l("Growth and learning"),
    "offer_tech": _l("Tech and how we work"),
    "offer_benefits": _l("Benefits and wellness"),
    "offer_worklife": _l("Work-life balance"),
}
#: How a staff role reads in forms and lists (the stored value stays the enum's).
ROLE_LABELS = {StaffRole.ADMIN: _l("Administrator"), StaffRole.MANAGER: _l("Hiring manager"),
               StaffRole.REVIEWER: _l("Reviewer")}
