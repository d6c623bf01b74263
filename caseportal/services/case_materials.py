"""The files a case gives the candidate to work with (its ``data/`` folder): listed, previewed, served, zipped.

A brief that says "in data/ you get the screens and the funnel" is only fair if the candidate can open them, before
deciding to start as well as while working. Once work has started the materials come from the case version it
was started on, so they match the checks the work is run against.
"""

from __future__ import annotations

import csv
import io
import posixpath
import re
import zipfile
from dataclasses import dataclass
from typing import Literal

from sqlalchemy.orm import Session

from caseportal.casebook import CaseSpec, Library
from caseportal.i18n import gettext as _
from caseportal.models import CaseWork

from . import case_versions
from .errors import NotFound

Kind = Literal["image", "csv", "text", "file"]

#: Images shown inline on the case page (SVG too: served as an image with a sandboxing policy, never inlined).
IMAGE_TYPES = {".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".gif": "image/gif",
               ".svg": "image/svg+xml", ".webp": "image/webp"}
TEXT_TYPES = {".csv": "text/csv", ".tsv": "text/tab-separated-values", ".md": "text/markdown",
              ".txt": "text/plain", ".json": "application/json"}
#: A preview is a taste of the data, not a viewer: a few rows, a few columns, short cells.
PREVIEW_ROWS = 5
PREVIEW_COLUMNS = 10
PREVIEW_CELL_CHARS = 60
_SVG_TITLE = re.compile(rb"<title[^>]*>(.*?)</title>", re.S | re.I)
#: The Content-Security-Policy of a served material: nothing in it may load, run or navigate (an SVG opened on its
#: own included); an SVG keeps its inline styles.
FILE_CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'; sandbox"


@dataclass(frozen=True)
class CsvPreview:
    """The first rows of a CSV file; ``total_rows`` counts the data rows of the whole file (header excluded)."""

    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    total_rows: int
    hidden_columns: int


@dataclass(frozen=True)
class Material:
    """One file of data/: ``name`` is its path inside data/ (``funnel.csv``, ``screens/1.png``)."""

    name: str
    kind: Kind
    size: int
    mimetype: str
    #: What an image shows, when the file says so (an SVG's <title>); else empty.
    title: str = ""
    preview: CsvPreview | None = None


def case_for(session: Session, library: Library, case: CaseSpec, submission: CaseWork | None) -> CaseSpec:
    """The case whose materials the candidate sees: the started version once there is work, else the current one."""
    if submission is None:
        return case
    return case_versions.case_for(session, library, case.slug, submission.case_version) or case


def kind_of(name: str) -> Kind:
    ext = posixpath.splitext(name)[1].lower()
    if ext in IMAGE_TYPES:
        return "image"
    if ext == ".csv":
        return "csv"
    return "text" if ext in TEXT_TYPES else "file"


def mimetype_of(name: str) -> str:
    ext = posixpath.splitext(name)[1].lower()
    return IMAGE_TYPES.get(ext) or TEXT_TYPES.get(ext) or "application/octet-stream"


def _clip(cell: str) -> str:
    cell = " ".join(cell.split())
    return cell if len(cell) <= PREVIEW_CELL_CHARS else cell[:PREVIEW_CELL_CHARS - 1] + "…"


def csv_preview(content: bytes) -> CsvPreview | None:
    """The first rows, parsed with the csv module; None when the file is not UTF-8 CSV (it is still downloadable)."""
    try:
        reader = csv.reader(io.StringIO(content.decode("utf-8-sig"), newline=""))
        header = next(reader, None)
        if not header:
            return None
        rows: list[tuple[str, ...]] = []
        total = 0
        for row in reader:
            if not any(cell.strip() for cell in row):
                continue
            total += 1
            if len(rows) < PREVIEW_ROWS:
                rows.append(tuple(_clip(c) for c in row[:PREVIEW_COLUMNS]))
    except (UnicodeDecodeError, csv.Error):
        return None
    width = min(len(header), PREVIEW_COLUMNS)
    padded = tuple(r + ("",) * (width - len(r)) for r in rows)
    return CsvPreview(tuple(_clip(c) for c in header[:PREVIEW_COLUMNS]), padded, total,
                      max(0, len(header) - PREVIEW_COLUMNS))


def _image_title(name: str, content: bytes) -> str:
    if not name.lower().endswith(".svg"):
        return ""
    found = _SVG_TITLE.search(content[:8192])
    if not found:
        return ""
    text = found.group(1).decode("utf-8", errors="replace")
    text = re.sub(r"<[^>]*>", "", text).replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">")
    return " ".join(text.split())[:200]


def _material(name: str, content: bytes) -> Material:
    kind = kind_of(name)
    return Material(name=name, kind=kind, size=len(content), mimetype=mimetype_of(name),
                    title=_image_title(name, content) if kind == "image" else "",
                    preview=csv_preview(content) if kind == "csv" else None)


def list_materials(case: CaseSpec) -> list[Material]:
    """Every file of the case's data/, by name."""
    return [_material(name, case.data_files[name]) for name in sorted(case.data_files)]


def get(case: CaseSpec, name: str, *, image: bool = False) -> tuple[Material, bytes]:
    """One file of data/ by its name there; anything else (``../case.yaml``, an absolute path) is not found.

    The loader only ever reads data/ into ``data_files`` and refuses symlinks out of the folder, so looking the name
    up in that mapping is the whole check. With ``image`` only an image is found (for the inline route).
    """
    content = case.data_files.get(name)
    if content is None or (image and kind_of(name) != "image"):
        raise NotFound(_("This file is not part of the case materials."))
    return _material(name, content), content


def zip_name(case: CaseSpec) -> str:
    return f"{case.slug}-materials.zip"


def zip_bytes(case: CaseSpec) -> bytes:
    """All of data/ as one zip, under ``data/`` as the brief names the files; the same bytes for the same version."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name in sorted(case.data_files):
            info = zipfile.ZipInfo(f"data/{name}", date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            zf.writestr(info, case.data_files[name])
    return buf.getvalue()
