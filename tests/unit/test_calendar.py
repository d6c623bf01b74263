"""The .ics file is hand-written RFC 5545: check structure, CRLF, folding at 75 octets and escaping."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from caseportal.config import Settings
from caseportal.models import JobRole, Meeting
from caseportal.services import calendar
from caseportal.services.errors import Invalid


def unfold(data: bytes) -> list[str]:
    """Content lines as a calendar client reads them: CRLF + one space/tab continues the line."""
    text = data.decode("utf-8")
    assert text.endswith("\r\n")
    assert "\n" not in text.replace("\r\n", ""), "bare LF or CR found"
    return text[:-2].replace("\r\n ", "").replace("\r\n\t", "").split("\r\n")


def unescape(value: str) -> str:
    out, i = [], 0
    while i < len(value):
        ch = value[i]
        if ch == "\\" and i + 1 < len(value):
            nxt = value[i + 1]
            out.append("\n" if nxt in "nN" else nxt)
            i += 2
        else:
            out.append(ch)
            i += 1
    return "".join(out)


def props(data: bytes) -> dict[str, str]:
    lines = unfold(data)
    start, end = lines.index("BEGIN:VEVENT"), lines.index("END:VEVENT")
    return dict(line.split(":", 1) for line in lines[start + 1:end])


def make_meeting(**kw: object) -> Meeting:
    role = JobRole(title="Backend developer", team="Payments")
    values: dict[str, object] = dict(
        id=42, candidate_name="Ada Lovelace", candidate_email="ada@example.org", job_role=role,
        starts_at=datetime(2025, 3, 31, 8, 0, tzinfo=UTC), timezone="Europe/Stockholm", duration_minutes=90,
        place="", video_link="https://meet.example.org/abc?x=1,2;3",
    )
    values.update(kw)
    return Meeting(**values)


@pytest.fixture()
def cfg(tmp_path: Path) -> Settings:
    return Settings.for_tests(tmp_path, base_url="https://jobs.example.org")


def test_structure_and_times(cfg: Settings) -> None:
    data = calendar.ics_for_meeting(make_meeting(), cfg, now=datetime(2025, 3, 1, 12, 0, 5, tzinfo=UTC))
    lines = unfold(data)
    assert lines[0] == "BEGIN:VCALENDAR" and lines[-1] == "END:VCALENDAR"
    assert "VERSION:2.0" in lines and any(line.startswith("PRODID:") for line in lines)
    assert lines.count("BEGIN:VEVENT") == 1 and lines.count("END:VEVENT") == 1
    p = props(data)
    assert p["UID"] == "meeting-42@jobs.example.org"
    assert p["DTSTAMP"] == "20250301T120005Z"
    assert p["DTSTART"] == "20250331T080000Z"
    assert p["DTEND"] == "20250331T093000Z"
    assert unescape(p["SUMMARY"]) == "Candidate meeting: Ada Lovelace (Backend developer)"
    # no place: the video link is the location (TEXT, so escaped) and also the URL (URI, not escaped)
    assert p["LOCATION"] == "https://meet.example.org/abc?x=1\\,2\\;3"
    assert unescape(p["LOCATION"]) == "https://meet.example.org/abc?x=1,2;3"
    assert p["URL"] == "https://meet.example.org/abc?x=1,2;3"
    assert "Video link: https://meet.example.org/abc?x=1,2;3" in unescape(p["DESCRIPTION"])


def test_every_physical_line_is_crlf_terminated_and_at_most_75_octets(cfg: Settings) -> None:
    m = make_meeting(candidate_name="Åsa Öberg-Ängström " * 6, place="Kungsgatan 1, 3 tr; Stockholm")
    data = calendar.ics_for_meeting(m, cfg)
    raw_lines = data.split(b"\r\n")
    assert raw_lines[-1] == b""
    for raw in raw_lines[:-1]:
        assert len(raw) <= 75, raw
        raw.decode("utf-8")  # folding never splits a multi-byte character
    assert any(raw.startswith(b" ") for raw in raw_lines), "the long summary should have been folded"
    p = props(data)
    assert unescape(p["SUMMARY"]).startswith("Candidate meeting: Åsa Öberg-Ängström Åsa")
    assert p["LOCATION"] == "Kungsgatan 1\\, 3 tr\\; Stockholm"


def test_escaping_of_text_values() -> None:
    assert calendar.escape_text("a,b;c\\d\ne\r\nf") == "a\\,b\\;c\\\\d\\ne\\nf"
    assert unescape(calendar.escape_text("x; y, z\\ \n w")) == "x; y, z\\ \n w"


def test_fold_exact_boundaries() -> None:
    assert calendar.fold("A" * 75) == "A" * 75
    folded = calendar.fold("B" * 200)
    parts = folded.split("\r\n")
    assert [len(p.encode()) for p in parts] == [75, 75, 52]  # 75 + 74 + 51 characters
    assert all(p.startswith(" ") for p in parts[1:])
    assert folded.replace("\r\n ", "") == "B" * 200
    # multi-byte: 'ä' is 2 octets; no part may exceed 75 octets or cut a character
    parts = calendar.fold("ä" * 100).split("\r\n")
    assert all(len(p.encode()) <= 75 for p in parts)
    assert "".join(p.lstrip(" ") for p in parts) == "ä" * 100


def test_candidate_version_and_blind_label(cfg: Settings) -> None:
    m = make_meeting(place="Office, floor 3")
    cand = props(calendar.ics_for_meeting(m, cfg, for_candidate=True, extra_description="Your link: https://x/i/t"))
    assert unescape(cand["SUMMARY"]) == "Meeting about the Backend developer role"
    assert unescape(cand["LOCATION"]) == "Office, floor 3"
    assert "Your link: https://x/i/t" in unescape(cand["DESCRIPTION"])
    blind = props(calendar.ics_for_meeting(m, cfg, candidate_label="Candidate #42"))
    assert "Ada" not in "".join(blind.values())
    # the same UID for everyone, so one event is updated rather than duplicated
    assert cand["UID"] == blind["UID"]


def test_meeting_without_time_has_no_calendar_entry(cfg: Settings) -> None:
    with pytest.raises(Invalid):
        calendar.ics_for_meeting(make_meeting(starts_at=None), cfg)
