"""Finding 6 of the security review: file names that look the same are one name. Names are NFC-normalised;
format and zero-width characters are refused; names equal but for case or letter width are refused, in plain
uploads, in zip archives and against the files a submission already has."""

from __future__ import annotations

import io
import unicodedata
import zipfile

import pytest
from flask import Flask
from sqlalchemy.orm import Session

from caseportal.config import Settings
from caseportal.services import submissions, uploads
from caseportal.services.errors import Invalid
from caseportal.services.uploads import Limits
from tests.conftest import Factory

LIMITS = Limits(max_file_bytes=1 << 20, max_submission_bytes=4 << 20, max_files=50, max_archive_ratio=100)


def _zip(entries: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, content in entries.items():
            zf.writestr(name, content)
    return buf.getvalue()


def test_names_are_stored_in_nfc() -> None:
    decomposed = unicodedata.normalize("NFD", "résumé.md")
    assert decomposed != "résumé.md"
    assert uploads.prepare([(decomposed, b"x")], LIMITS) == [("résumé.md", b"x")]


@pytest.mark.parametrize("hidden", ["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad", "\u180e",
                                    "\u034f", "\u3164", "\u2028"])
def test_invisible_characters_are_refused(hidden: str) -> None:
    for name, keep_dirs in ((f"solu{hidden}tion.py", False), (f"src/ma{hidden}in.py", True)):
        with pytest.raises(Invalid) as err:
            uploads.normalise_name(name, keep_dirs=keep_dirs)
        assert "invisible characters" in err.value.message and "Nothing was saved." in err.value.message
    with pytest.raises(Invalid, match="invisible"):
        uploads.prepare([("work.zip", _zip({f"a{hidden}.py": b"1"}))], LIMITS)


@pytest.mark.parametrize("first,second", [("Data.csv", "data.csv"), ("data.csv", "ｄａｔａ.csv"),
                                          ("STRASSE.md", "straße.md"), ("ﬁle.md", "file.md")])
def test_names_equal_but_for_case_or_width_are_refused(first: str, second: str) -> None:
    with pytest.raises(Invalid) as err:
        uploads.prepare([(first, b"1"), (second, b"2")], LIMITS)
    assert "differ only in upper and lower case" in err.value.message
    with pytest.raises(Invalid, match="differ only"):
        uploads.prepare([("work.zip", _zip({first: b"1", second: b"2"}))], LIMITS)
    with pytest.raises(Invalid, match="differ only"):
        uploads.prepare([(first, b"1"), ("work.zip", _zip({second: b"2"}))], LIMITS)


def test_different_names_pass() -> None:
    got = uploads.prepare([("data.csv", b"1"), ("data2.csv", b"2"), ("work.zip", _zip({"Data.py": b"3"}))],
                          LIMITS)
    assert [p for p, _ in got] == ["data.csv", "data2.csv", "Data.py"]


def test_an_upload_clashing_with_a_stored_file_is_refused(app: Flask, session: Session, factory: Factory) -> None:
    cfg: Settings = app.extensions["caseportal.settings"]
    sub = factory.submission(factory.meeting(), {"Notes.md": b"mine"}, submitted=False)
    with pytest.raises(Invalid, match="‘notes.md’ and ‘Notes.md’ differ only"):
        submissions.add_uploads(session, sub, [("notes.md", b"other")], cfg, [".md"])
    session.rollback()
    assert submissions.add_uploads(session, sub, [("Notes.md", b"replaced")], cfg, [".md"]) == ["Notes.md"]
    assert sub.file_map() == {"Notes.md": b"replaced"}
