"""The workspace's file tree: new files, renames and deletes, under the rules uploads already follow.

What a candidate expects from an editor, bounded by the case: a new file is one they will type into the page, so
its name must be one the case lets them edit (``submission.editable``, e.g. ``tests/*.py``) and of an accepted
type; a rename may also give a name an upload could have had (cases that take uploads). The case's own starter
files are never renamed or deleted: its checks and its reviewers expect them where they are .
Names are cleaned and compared as uploads are (NFC, no ``..``, no control characters, no two names that differ only
in case or width), and the submission's file-count and size limits hold. Every refusal changes nothing.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import datetime

from sqlalchemy.orm import Session

from caseportal.casebook import CaseSpec
from caseportal.i18n import N_
from caseportal.i18n import gettext as _
from caseportal.models import CaseWork, Meeting, SubmissionFile, utcnow

from . import submissions, uploads
from .errors import Invalid, NotFound
from .uploads import Limits, LimitSource

NOTHING_CHANGED = N_("Nothing was changed.")
STARTER_RENAME = N_("‘%(name)s’ came with the case, and its checks and reviewers expect it there, so it can't be "
                    "renamed.")
STARTER_DELETE = N_("‘%(name)s’ came with the case, and its checks and reviewers expect it there, so it can't be "
                    "deleted.")
_GLOB_CHARS = frozenset("*?[")


def _refuse(message: str) -> Invalid:
    return Invalid(message + " " + _(NOTHING_CHANGED))


def takes_new_files(case: CaseSpec) -> bool:
    """Whether any name beyond the starter files is possible: an editable pattern with a wildcard in it."""
    return any(_GLOB_CHARS & set(glob) for glob in case.submission.editable)


def patterns(case: CaseSpec) -> str:
    """The editable patterns as the candidate reads them in a refusal or a hint."""
    return ", ".join(case.submission.editable)


def _clean(case: CaseSpec, name: str) -> str:
    """A clean relative path for a typed name, or a refusal saying what is wrong with it."""
    name = (name or "").strip()  # a typed name: spaces around it are the text box's, not the file's
    if not name:
        raise _refuse(_("Please type a name for the file, for example %(example)s.", example=_example(case)))
    path = uploads.normalise_name(name, keep_dirs=True)
    if uploads.is_junk(path):
        raise _refuse(_("‘%(name)s’ is a name that tools use for their own files. Please choose another name.",
                        name=path))
    return path


def _example(case: CaseSpec) -> str:
    for glob in case.submission.editable:
        if "*" in glob and "?" not in glob and "[" not in glob:
            return glob.replace("*", "example", 1).replace("*", "")
    return case.submission.editable[0] if case.submission.editable else "notes.md"


def _check_allowed(case: CaseSpec, path: str, *, upload_names: bool) -> None:
    """Refuse a name the case does not take: a file type it does not accept, or outside its editable patterns."""
    uploads.check_extension(path, case.submission.accepted_extensions)
    if case.submission.is_editable(path) or (upload_names and case.submission.uploads):
        return
    raise _refuse(_("‘%(name)s’ is not a file this case lets you create. New files must match %(patterns)s.",
                    name=path, patterns=patterns(case)))


def _check_free(path: str, others: Iterable[str]) -> None:
    """Refuse a name that is taken, differs from a taken one only in case, or clashes with a folder."""
    others = list(others)
    if path in others:
        raise _refuse(_("‘%(name)s’ already exists. Please choose another name.", name=path))
    uploads.check_name_clashes([path], others)
    for other in others:
        if other.startswith(path + "/"):
            raise _refuse(_("‘%(name)s’ is a folder of your work. Please choose another name.", name=path))
        if path.startswith(other + "/"):
            raise _refuse(_("‘%(other)s’ is a file, so it can't also be a folder. Please choose another name.",
                            other=other))


def _meeting(session: Session, submission: CaseWork) -> Meeting:
    meeting = session.get(Meeting, submission.meeting_id)
    if meeting is None:  # pragma: no cover - the foreign key makes this impossible
        raise NotFound(_("This meeting no longer exists."))
    return meeting


def new_file(session: Session, submission: CaseWork, name: str, settings: LimitSource, *, case: CaseSpec,
             content: str = "", now: datetime | None = None) -> str:
    """Create a file the candidate will edit in the page (empty, or with ``content``); returns its clean path."""
    now = now or utcnow()
    submissions.ensure_open(session, _meeting(session, submission), submission, now)
    path = _clean(case, name)
    _check_allowed(case, path, upload_names=False)
    _check_free(path, (f.path for f in submission.files))
    data = content.replace("\r\n", "\n").encode("utf-8")
    limits = Limits.from_settings(settings)  # as the editor's saves: typed text, not an upload
    uploads.check_file_size(path, len(data), limits)
    uploads.check_totals({f.path: f.size for f in submission.files}, {path: len(data)}, limits)
    submission.files.append(SubmissionFile(path=path, content=data, size=len(data),
                                           sha256=hashlib.sha256(data).hexdigest(), updated_at=now))
    submission.updated_at = now
    session.flush()
    return path


def _own(submission: CaseWork, path: str, case: CaseSpec, starter_refusal: str) -> SubmissionFile:
    target = next((f for f in submission.files if f.path == path), None)
    if target is None:
        raise NotFound(_("That file is not part of your work (it may have been renamed or deleted already)."))
    if not submissions.deletable(submission, path, case):
        raise _refuse(_(starter_refusal, name=path))
    return target


def rename_file(session: Session, submission: CaseWork, path: str, new_name: str, *, case: CaseSpec,
                now: datetime | None = None) -> str:
    """Give one of the candidate's own files a new name (a folder may be part of it); returns the new path."""
    now = now or utcnow()
    submissions.ensure_open(session, _meeting(session, submission), submission, now)
    target = _own(submission, path, case, STARTER_RENAME)
    new_path = _clean(case, new_name)
    if new_path == path:
        raise _refuse(_("‘%(name)s’ already has that name.", name=path))
    _check_allowed(case, new_path, upload_names=True)
    _check_free(new_path, (f.path for f in submission.files if f is not target))
    target.path, target.updated_at = new_path, now
    submission.updated_at = now
    session.flush()
    return new_path


def delete_file(session: Session, submission: CaseWork, path: str, *, case: CaseSpec,
                now: datetime | None = None) -> None:
    """Delete one of the candidate's own files (the same rule as the file list's Delete button)."""
    now = now or utcnow()
    submissions.ensure_open(session, _meeting(session, submission), submission, now)
    _own(submission, path, case, STARTER_DELETE)
    submissions.delete_file(session, submission, path, now, case=case)
