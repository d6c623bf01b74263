"""The reviewer's room: a meeting's cases and submissions, the submitted work, runs, talking points, comments.

Every view: staff login (decorator), then the object's meeting must be visible to the visitor (access.py), or the
answer is 404. Importing the feature modules registers their views on the one blueprint.
"""

from . import comments, files, meeting, points, reviewed, submission, suggestions  # noqa: F401 - registers views
from ._blueprint import bp

__all__ = ["bp"]
