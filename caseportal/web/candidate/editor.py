"""The in-browser editor of the case page: which files it offers and in which CodeMirror mode, and reading back
what its form posts (file texts and the hand-in notes), which save, run and hand-in all keep.

Without JavaScript (or without Debian's CodeMirror) the same form is plain text areas, so it works everywhere.
"""

from __future__ import annotations

import os
from typing import Any

from flask import request

from caseportal.current import db, settings
from caseportal.models import CaseWork
from caseportal.services import submissions
from caseportal.services.uploads import human_size

from .access import CaseContext

FILE_FIELD = "file::"  # prefix of the editor's textarea names: file::<path>
#: The hand-in notes, posted with the editor's form so that no typed note is lost when another button is pressed.
NOTE_FIELDS = ("notes_more_time", "questions")
#: Text files larger than this are listed, not put in the browser editor.
EDITOR_MAX_BYTES = 512 * 1024
#: Editable files better changed in their own tool and uploaded again than typed into a text box.
UPLOAD_EDITED = (".ipynb",)
#: CodeMirror modes by file extension (each mode's script is served by the assets blueprint).
MODES = {".py": "python", ".css": "css", ".html": "htmlmixed", ".htm": "htmlmixed", ".js": "javascript",
         ".mjs": "javascript", ".json": "javascript", ".md": "markdown", ".markdown": "markdown"}
MODE_SCRIPTS = ("mode/meta.js", "mode/xml/xml.js", "mode/javascript/javascript.js", "mode/css/css.js",
                "mode/htmlmixed/htmlmixed.js", "mode/python/python.js", "mode/markdown/markdown.js",
                "addon/edit/matchbrackets.js")


def posted_files() -> dict[str, str]:
    """The editor's file texts in this request, by path."""
    return {k[len(FILE_FIELD):]: v for k, v in request.form.items() if k.startswith(FILE_FIELD)}


def save_posted(ctx: CaseContext, sub: CaseWork) -> bool:
    """Save what the work form sent (file text and the hand-in notes), if anything; True when something changed."""
    edited = posted_files()
    changed = bool(edited) and bool(submissions.save_files(db(), sub, edited, settings(), case=ctx.case))
    if any(name in request.form for name in NOTE_FIELDS):
        notes_changed = submissions.save_notes(db(), sub, request.form.get("notes_more_time"),
                                               request.form.get("questions"))
        changed = changed or notes_changed
    return changed


def file_tree(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The files as folders and files for the workspace's tree: ``{"name", "children"}`` or ``{"name", "row"}``,
    folders first, each level by name (rows come sorted by path)."""
    root: list[dict[str, Any]] = []
    for row in rows:
        level = root
        *folders, name = row["path"].split("/")
        for i, folder in enumerate(folders):
            node = next((n for n in level if n["name"] == folder and "children" in n), None)
            if node is None:
                node = {"name": folder, "path": "/".join(folders[:i + 1]), "children": []}
                level.append(node)
            level = node["children"]
        level.append({"name": name, "row": row})

    def ordered(level: list[dict[str, Any]]) -> list[dict[str, Any]]:
        for node in level:
            if "children" in node:
                node["children"] = ordered(node["children"])
        return sorted(level, key=lambda n: ("children" not in n, n["name"].casefold()))
    return ordered(root)


def file_rows(ctx: CaseContext, drafts: dict[str, str] | None, open_: bool) -> list[dict[str, Any]]:
    """One row per file of the candidate's work: shown in the editor, listed read-only, or edited via upload.

    ``drafts`` (texts the candidate posted but that were not saved) replace the stored text, so nothing typed is
    lost when the page comes back with an error.
    """
    sub = ctx.submission
    if sub is None:
        return []
    rows = []
    for i, f in enumerate(sub.files):
        text = f.text()
        ext = os.path.splitext(f.path)[1].lower()
        editable = (open_ and text is not None and f.size <= EDITOR_MAX_BYTES
                    and ctx.case.submission.is_editable(f.path)
                    # a notebook is JSON: edited in Jupyter and uploaded again, when the case takes uploads
                    and not (ext in UPLOAD_EDITED and ctx.case.submission.uploads))
        if drafts and f.path in drafts and editable:
            text = drafts[f.path]
        rows.append({
            "n": i, "path": f.path, "size": human_size(f.size), "updated_at": f.updated_at, "text": text,
            "editable": editable, "mode": MODES.get(ext, ""),
            "deletable": open_ and submissions.deletable(sub, f.path, ctx.case),
            "showable": text is not None and f.size <= EDITOR_MAX_BYTES and ext not in UPLOAD_EDITED,
            "via_upload": (open_ and ext in UPLOAD_EDITED and ctx.case.submission.uploads
                           and ctx.case.submission.is_editable(f.path)),
        })
    return rows
