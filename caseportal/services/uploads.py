"""Candidate uploads made safe: clean file names, size and count limits, and zip archives read in memory.

Pure functions with no Flask and no disk: the web layer hands in (filename, bytes) pairs and gets back clean
(path, bytes) pairs, or an :class:`~caseportal.services.errors.Invalid` whose message a candidate understands.
Nothing here writes anywhere, so a refusal can never leave half an upload behind; saving is the caller's
single transaction.

Zip archives are the dangerous part. They are never extracted to disk; every entry is read through a byte
counter, because the sizes written in an archive's headers are whatever its author wanted them to be.
"""

from __future__ import annotations

import io
import re
import stat
import unicodedata
import zipfile
import zlib
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import IO, Protocol

from caseportal.i18n import N_, ngettext
from caseportal.i18n import gettext as _

from .errors import Invalid

#: Ends most refusals (its own sentence, translated where used).
NOTHING_SAVED = N_("Nothing was saved.")
MAX_NAME_CHARS = 255
READ_CHUNK = 64 * 1024
#: Below this many uncompressed bytes the compression ratio is not judged: tiny, very repetitive files
#: (an empty-ish CSV, a file of blank lines) compress extremely well and are harmless.
RATIO_FLOOR_BYTES = 256 * 1024
#: Entries in an archive's directory we are willing to even look at (junk and folders included).
MAX_ARCHIVE_ENTRIES_FACTOR = 5

# Operating-system and tool droppings that candidates never mean to hand in: skipped without a word.
JUNK_DIRS = frozenset({"__MACOSX", "__pycache__", ".ipynb_checkpoints", ".git", ".svn", ".hg", ".idea",
                       ".vscode", ".pytest_cache", ".mypy_cache", ".ruff_cache", "node_modules", ".venv"})
JUNK_FILES = frozenset({".DS_Store", "Thumbs.db", "desktop.ini", "Desktop.ini", ".localized"})
JUNK_SUFFIXES = (".pyc", ".pyo", "~", ".swp")

_DRIVE = re.compile(r"^[A-Za-z]:")
# Direction overrides make "gpj.py" look like "yp.jpg": refused like control characters.
_BIDI = frozenset("\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
# Characters that draw nothing besides the format ones (Cf: zero-width space and joiners, BOM, soft hyphen):
# two names that differ only by them look the same, so they are refused too.
_BLANK_LETTERS = frozenset("\u034f\u115f\u1160\u17b4\u17b5\u3164\uffa0")


class LimitSource(Protocol):
    """Anything carrying the upload limits; in practice :class:`caseportal.config.Settings` (frozen, so the
    members are read-only properties here: a plain attribute would demand a settable one)."""

    @property
    def max_file_bytes(self) -> int: ...
    @property
    def max_submission_bytes(self) -> int: ...
    @property
    def max_files(self) -> int: ...
    @property
    def max_archive_ratio(self) -> int: ...


@dataclass(frozen=True)
class Limits:
    """The limits one upload is judged by."""

    max_file_bytes: int
    max_submission_bytes: int
    max_files: int
    max_archive_ratio: int

    @classmethod
    def from_settings(cls, settings: LimitSource, max_upload_mb: float | None = None) -> Limits:
        """Settings' limits, tightened by a case's own ``max_upload_mb`` (a cap on the whole submission)."""
        total = settings.max_submission_bytes
        if max_upload_mb is not None and max_upload_mb > 0:
            total = min(total, int(max_upload_mb * 1024 * 1024))
        return cls(settings.max_file_bytes, total, settings.max_files, settings.max_archive_ratio)


def human_size(n: int) -> str:
    """Bytes as a person reads them: "300 bytes", "12 KB", "2 MB", "14.3 MB"."""
    if n < 1024:
        return ngettext("%(num)s byte", "%(num)s bytes", n)
    value = n / 1024
    for unit in ("KB", "MB"):
        if value < 1024:
            return f"{_one_decimal(value)} {unit}"
        value /= 1024
    return f"{_one_decimal(value)} GB"


def _one_decimal(value: float) -> str:
    return f"{value:.1f}".removesuffix(".0")


def _shown(name: str) -> str:
    """A name safe to put in a message: control characters made visible, long names shortened."""
    clean = "".join(ch if ch.isprintable() else "?" for ch in name)
    return clean if len(clean) <= 80 else clean[:77] + "..."


def is_junk(path: str) -> bool:
    """Whether a normalised path is an OS or tool dropping (``__MACOSX/``, ``.DS_Store``, ``._x``...)."""
    parts = path.split("/")
    if any(p in JUNK_DIRS for p in parts[:-1]):
        return True
    name = parts[-1]
    return name in JUNK_FILES or name.startswith("._") or name.endswith(JUNK_SUFFIXES)


def normalise_name(name: str, *, keep_dirs: bool) -> str:
    """A clean POSIX relative path for a file a candidate sent, or Invalid saying what is wrong.

    Plain uploads (``keep_dirs=False``) keep only the last path part, as some browsers send full paths.
    Archive entries keep their folders but may not be absolute, carry a drive letter or climb out with ``..``.
    Names are NFC-normalised so that "é" typed on a Mac and on Windows is the same file; control, format and
    zero-width characters are refused, as they hide what a name really is.
    """
    if not isinstance(name, str):
        raise Invalid(_("A file without a usable name was sent.") + " " + _(NOTHING_SAVED))
    name = unicodedata.normalize("NFC", name)
    if any(unicodedata.category(ch) == "Cc" or ch in _BIDI for ch in name):
        raise Invalid(_("The file name ‘%(name)s’ contains control characters. Please rename the file.",
                        name=_shown(name)) + " " + _(NOTHING_SAVED))
    if any(unicodedata.category(ch) in ("Cf", "Zl", "Zp") or ch in _BLANK_LETTERS for ch in name):
        raise Invalid(_("The file name ‘%(name)s’ contains invisible characters (such as a zero-width space). "
                        "Please rename the file.", name=_shown(name)) + " " + _(NOTHING_SAVED))
    unified = name.replace("\\", "/")
    if not keep_dirs:
        unified = unified.rsplit("/", 1)[-1]
    elif unified.startswith("/"):
        raise Invalid(_("‘%(name)s’ is an absolute path. Archives may only hold relative paths.",
                        name=_shown(name)) + " " + _(NOTHING_SAVED))
    if _DRIVE.match(unified):
        raise Invalid(_("‘%(name)s’ starts with a drive letter. Please rename the file.", name=_shown(name))
                      + " " + _(NOTHING_SAVED))
    parts = [p for p in unified.split("/") if p not in ("", ".")]
    if any(p == ".." for p in parts):
        raise Invalid(_("‘%(name)s’ points outside its folder (it contains ‘..’).", name=_shown(name))
                      + " " + _(NOTHING_SAVED))
    if not parts:
        raise Invalid(_("A file without a name was sent. Please give every file a name.") + " " + _(NOTHING_SAVED))
    if any(p.strip() == "" or p != p.strip() for p in parts):
        raise Invalid(_("‘%(name)s’ has a name that starts or ends with spaces. Please rename it.",
                        name=_shown(name)) + " " + _(NOTHING_SAVED))
    path = "/".join(parts)
    if len(path) > MAX_NAME_CHARS:
        raise Invalid(_("‘%(name)s’: a file name can be at most %(n)s characters long.",
                        name=_shown(path), n=MAX_NAME_CHARS) + " " + _(NOTHING_SAVED))
    return path


def name_key(path: str) -> str:
    """What two names share when a person would take them for one file: case folded and compatibility forms
    (full-width letters, ligatures) folded. Also what file systems that ignore case would make of them."""
    return unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", path).casefold())


def check_name_clashes(incoming: Iterable[str], existing: Iterable[str] = ()) -> None:
    """Refuse names that differ from another name only in case or width (``Data.csv``, ``data.csv``,
    ``ｄata.csv``); a name identical to an existing one is a replacement and fine."""
    taken = {name_key(p): p for p in existing}
    for path in incoming:
        other = taken.get(name_key(path))
        if other is not None and other != path:
            raise Invalid(_("‘%(name)s’ and ‘%(other)s’ differ only in upper and lower case or in how their "
                            "letters are written. Please give the files clearly different names.",
                            name=_shown(path), other=_shown(other)) + " " + _(NOTHING_SAVED))
        taken[name_key(path)] = path


def check_extension(path: str, accepted_extensions: Collection[str]) -> None:
    """Refuse a file whose extension the case does not accept (no list means every extension is fine)."""
    if not accepted_extensions:
        return
    accepted = {e.lower() for e in accepted_extensions}
    suffix = PurePosixPath(path).suffix.lower()
    if suffix not in accepted:
        kinds = ", ".join(sorted(accepted))
        raise Invalid(_("‘%(name)s’ is not a file type this case accepts (%(kinds)s).", name=_shown(path),
                        kinds=kinds) + " " + _(NOTHING_SAVED))


def check_file_size(path: str, size: int, limits: Limits) -> None:
    if size > limits.max_file_bytes:
        raise Invalid(_("‘%(name)s’ is %(size)s; files may be at most %(max)s.", name=_shown(path),
                        size=human_size(size), max=human_size(limits.max_file_bytes)) + " " + _(NOTHING_SAVED))


class _Budget:
    """Counts bytes really read from an archive and stops the moment a limit is crossed."""

    def __init__(self, archive: str, archive_size: int, limits: Limits) -> None:
        self.archive = archive
        self.archive_size = max(archive_size, 1)
        self.limits = limits
        self.total = 0

    def _bomb(self) -> Invalid:
        return Invalid(_("‘%(name)s’ unpacks to far more than its own size, which is how archive bombs work, "
                         "so we did not open it. Please zip your files normally.", name=_shown(self.archive))
                       + " " + _(NOTHING_SAVED))

    def add(self, path: str, entry_read: int, entry_compressed: int, chunk: int) -> None:
        self.total += chunk
        check_file_size(path, entry_read, self.limits)
        if self.total > self.limits.max_submission_bytes:
            cap = human_size(self.limits.max_submission_bytes)
            raise Invalid(_("‘%(name)s’ unpacks to more than %(max)s, the most a submission may hold.",
                            name=_shown(self.archive), max=cap) + " " + _(NOTHING_SAVED))
        ratio = self.limits.max_archive_ratio
        if self.total > RATIO_FLOOR_BYTES and self.total > ratio * self.archive_size:
            raise self._bomb()
        if entry_read > RATIO_FLOOR_BYTES and entry_read > ratio * max(entry_compressed, 1):
            raise self._bomb()


def read_capped(stream: IO[bytes], path: str, compressed: int, budget: _Budget) -> bytes:
    """Read one archive entry chunk by chunk, refusing as soon as the bytes actually produced cross a limit."""
    out = io.BytesIO()
    read = 0
    while True:
        chunk = stream.read(READ_CHUNK)
        if not chunk:
            break
        read += len(chunk)
        budget.add(path, read, compressed, len(chunk))
        out.write(chunk)
    return out.getvalue()


def _is_symlink(info: zipfile.ZipInfo) -> bool:
    mode = info.external_attr >> 16
    return stat.S_ISLNK(mode)


def _single_top_folder(paths: Iterable[str], known_roots: Collection[str]) -> str | None:
    """The one folder every entry sits in (``project/``), unless the case itself has a folder of that name."""
    tops = set()
    for p in paths:
        head, sep, _rest = p.partition("/")
        if not sep:
            return None  # a file at the top level: nothing to flatten
        tops.add(head)
    if len(tops) != 1:
        return None
    top = tops.pop()
    return None if top in known_roots else top


def extract_zip(data: bytes, archive_name: str, limits: Limits,
                known_roots: Collection[str] = ()) -> list[tuple[str, bytes]]:
    """The files of a zip archive as (path, bytes), read in memory under every limit.

    Refused: damaged or truncated archives, encrypted entries, symlinks, paths escaping the archive, more
    files than allowed, and anything that unpacks too large or too compressed. Junk (``__MACOSX/``...) is
    skipped and folders are implied by paths. Zips inside the archive stay files. One top folder around
    everything (``project/...``) is removed, unless the case has a folder of that name (``known_roots``).
    """
    damaged = Invalid(_("‘%(name)s’ is not a readable zip archive; it may be damaged or incomplete. Please "
                        "create it again and re-upload.", name=_shown(archive_name)) + " " + _(NOTHING_SAVED))
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        infos = zf.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError, ValueError, NotImplementedError):
        raise damaged from None
    if len(infos) > limits.max_files * MAX_ARCHIVE_ENTRIES_FACTOR:
        raise Invalid(_("‘%(name)s’ holds %(n)s entries; a submission may have at most %(max)s files.",
                        name=_shown(archive_name), n=len(infos), max=limits.max_files) + " " + _(NOTHING_SAVED))

    wanted: list[tuple[str, zipfile.ZipInfo]] = []
    declared = 0
    for info in infos:
        if info.is_dir():
            continue
        path = normalise_name(info.filename, keep_dirs=True)
        if is_junk(path):
            continue
        if _is_symlink(info):
            raise Invalid(_("‘%(name)s’ in ‘%(archive)s’ is a symbolic link. Please include the real file "
                            "instead.", name=_shown(path), archive=_shown(archive_name)) + " " + _(NOTHING_SAVED))
        if info.flag_bits & 0x1:
            raise Invalid(_("‘%(name)s’ in ‘%(archive)s’ is encrypted. Please upload an archive without a "
                            "password.", name=_shown(path), archive=_shown(archive_name)) + " " + _(NOTHING_SAVED))
        # The declared sizes are only a first, cheap refusal; the real bytes are counted while reading.
        check_file_size(path, info.file_size, limits)
        declared += info.file_size
        wanted.append((path, info))
    if len(wanted) > limits.max_files:
        raise Invalid(_("‘%(name)s’ holds %(n)s files; a submission may have at most %(max)s.",
                        name=_shown(archive_name), n=len(wanted), max=limits.max_files) + " " + _(NOTHING_SAVED))
    if declared > limits.max_submission_bytes:
        raise Invalid(_("‘%(name)s’ unpacks to %(size)s; a submission may hold at most %(max)s.",
                        name=_shown(archive_name), size=human_size(declared),
                        max=human_size(limits.max_submission_bytes)) + " " + _(NOTHING_SAVED))

    top = _single_top_folder((p for p, _ in wanted), known_roots)
    budget = _Budget(archive_name, len(data), limits)
    out: list[tuple[str, bytes]] = []
    seen: set[str] = set()
    for path, info in wanted:
        if top is not None:
            path = path[len(top) + 1:]
        if path in seen:
            raise Invalid(_("‘%(name)s’ appears twice in ‘%(archive)s’.", name=_shown(path),
                            archive=_shown(archive_name)) + " " + _(NOTHING_SAVED))
        check_name_clashes([path], seen)
        seen.add(path)
        try:
            with zf.open(info) as fh:
                content = read_capped(fh, path, info.compress_size, budget)
        except Invalid:
            raise
        except (zipfile.BadZipFile, EOFError, OSError, zlib.error, ValueError, NotImplementedError,
                RuntimeError):
            raise damaged from None
        out.append((path, content))
    return out


def is_zip_name(filename: str) -> bool:
    return filename.lower().endswith(".zip")


def prepare(uploads: Iterable[tuple[str, bytes]], limits: Limits, accepted_extensions: Collection[str] = (),
            known_roots: Collection[str] = ()) -> list[tuple[str, bytes]]:
    """Turn what a candidate sent (plain files and zips) into clean (path, bytes), or refuse all of it.

    Zip archives are unpacked (in memory); the files inside must have accepted extensions, as must plain
    files. Limits per file and on the number of files apply here; the submission's total is checked by
    :func:`check_totals` against what is already stored.
    """
    out: dict[str, bytes] = {}
    count_sent = 0
    for filename, content in uploads:
        count_sent += 1
        name = normalise_name(filename, keep_dirs=False)
        if is_junk(name):
            continue
        if is_zip_name(name):
            if len(content) > limits.max_submission_bytes:
                raise Invalid(_("‘%(name)s’ is %(size)s; a submission may hold at most %(max)s.",
                                name=_shown(name), size=human_size(len(content)),
                                max=human_size(limits.max_submission_bytes)) + " " + _(NOTHING_SAVED))
            entries = extract_zip(content, name, limits, known_roots)
            if not entries:
                raise Invalid(_("‘%(name)s’ has no files in it.", name=_shown(name)) + " " + _(NOTHING_SAVED))
        else:
            check_file_size(name, len(content), limits)
            entries = [(name, content)]
        for path, data in entries:
            check_extension(path, accepted_extensions)
            if path in out:
                raise Invalid(_("‘%(name)s’ was sent twice. Please send each file once.", name=_shown(path))
                              + " " + _(NOTHING_SAVED))
            check_name_clashes([path], out)
            out[path] = data
        if len(out) > limits.max_files:
            raise Invalid(_("That is more than %(max)s files, the most a submission may have.",
                            max=limits.max_files) + " " + _(NOTHING_SAVED))
    if count_sent == 0:
        raise Invalid(_("No file was chosen. Please choose one or more files to upload."))
    if not out:
        raise Invalid(_("None of the chosen files could be used (only system files such as .DS_Store were "
                        "found).") + " " + _(NOTHING_SAVED))
    return list(out.items())


def check_totals(existing: Mapping[str, int], incoming: Mapping[str, int], limits: Limits) -> None:
    """Refuse when the submission after this change (existing sizes overlaid with incoming) breaks a limit."""
    after = dict(existing)
    after.update(incoming)
    if len(after) > limits.max_files:
        raise Invalid(_("Your submission would have %(n)s files; the most allowed is %(max)s. Delete some files "
                        "first.", n=len(after), max=limits.max_files) + " " + _(NOTHING_SAVED))
    total = sum(after.values())
    if total > limits.max_submission_bytes:
        raise Invalid(_("Your submission would be %(size)s; the most allowed is %(max)s. Delete some files "
                        "first.", size=human_size(total), max=human_size(limits.max_submission_bytes))
                      + " " + _(NOTHING_SAVED))
