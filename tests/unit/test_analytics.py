"""Pipeline analytics on seeded data built with the real models: exact counts, drop-offs, medians, ratings,
the charts as XML and the CSV with its formula guard."""

from __future__ import annotations

import csv
import io
import xml.etree.ElementTree as ET
from datetime import date, timedelta
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import event
from sqlalchemy.orm import Session

from caseportal.casebook import Library
from caseportal.services import analytics, charts
from caseportal.services.analytics import Filters
from caseportal.services.pipeline import STAGES
from tests.analytics_seed import CHURN, HOSTILE, RATE, SVG, T0, Seed, advance, seed
from tests.conftest import Factory


@pytest.fixture()
def library(app: Flask) -> Library:
    lib: Library = app.extensions["caseportal.casebook"]
    assert lib.get(RATE) and lib.get(CHURN), "the real case library is needed"
    assert (lib.get(RATE).time_estimate_minutes, lib.get(CHURN).time_estimate_minutes) == (75, 120)  # type: ignore[union-attr]
    return lib


@pytest.fixture()
def seeded(factory: Factory) -> Seed:
    return seed(factory)


def counts(group: analytics.FunnelGroup) -> list[int]:
    return [s.count for s in group.steps]


# --------------------------------------------------------------------------- rows


def test_meeting_rows_know_case_furthest_stage_and_time(session: Session, library: Library, seeded: Seed) -> None:
    rows = {r.meeting_id: r for r in analytics.meeting_rows(session, library, Filters())}
    by = {name: rows[m.id] for name, m in seeded.meetings.items()}
    assert len(rows) == 9
    assert [by[n].furthest for n in sorted(by)] == ["met", "submitted", "opened", "invited", "submitted",
                                                   "started", "submitted", None, "submitted"]
    assert by["m3"].case_slug is None and by["m3"].case_title == ""  # several cases, none started
    assert by["m4"].case_slug == RATE  # one case attached: counts under it before starting
    assert by["m7"].case_slug == CHURN and by["m7"].estimate_minutes == 120  # the case the candidate started
    assert (by["m1"].minutes_spent, by["m1"].minutes_source) == (80, "reported")
    assert (by["m2"].minutes_spent, by["m2"].minutes_source) == (60, "measured")
    assert (by["m5"].minutes_spent, by["m5"].minutes_source) == (analytics.MEASURED_CAP_MINUTES, "measured")
    assert (by["m9"].minutes_spent, by["m9"].minutes_source) == (30, "measured")  # "0 minutes" means not given
    assert by["m6"].minutes_spent is None and by["m6"].minutes_source == ""
    assert by["m9"].realistic is None and by["m9"].fair == 5 and by["m9"].interest_change == ""
    assert by["m1"].role_title == "Backend developer" and by["m1"].at("met") == T0 + timedelta(days=5)


def test_meeting_rows_use_a_fixed_number_of_queries(app: Flask, session: Session, library: Library,
                                                    factory: Factory, seeded: Seed) -> None:
    engine = app.extensions["caseportal.db"].engine

    def queries() -> int:
        seen: list[str] = []

        def count(*_args: object) -> None:
            seen.append("q")

        session.expire_all()
        event.listen(engine, "before_cursor_execute", count)
        try:
            analytics.meeting_rows(session, library, Filters())
        finally:
            event.remove(engine, "before_cursor_execute", count)
        return len(seen)

    before = queries()
    for _ in range(5):
        m = factory.meeting(cases=[RATE, CHURN], job_role=seeded.data)
        advance(factory, m, "reviewed", RATE)
    assert queries() == before <= 6


# --------------------------------------------------------------------------- funnel


def test_overall_funnel_counts_and_drop_off(session: Session, library: Library, seeded: Seed) -> None:
    [overall] = analytics.funnel(analytics.meeting_rows(session, library, Filters()))
    assert overall.key is None and overall.total == 9
    assert counts(overall) == [8, 7, 6, 5, 1, 1]
    assert [s.dropped for s in overall.steps] == [None, 1, 1, 1, 4, 0]
    assert [s.drop_pct for s in overall.steps] == pytest.approx([None, 12.5, 100 / 7, 100 / 6, 80.0, 0.0])
    assert [s.of_first_pct for s in overall.steps] == pytest.approx([100, 87.5, 75, 62.5, 12.5, 12.5])


def test_funnel_per_case_counts_several_cases_as_not_chosen_yet(session: Session, library: Library,
                                                              seeded: Seed) -> None:
    groups = analytics.funnel(analytics.meeting_rows(session, library, Filters()), group_by="case")
    assert [g.key for g in groups] == [RATE, CHURN, None]  # by title ("Stop the…", "Who is…"), unchosen last
    rate, churn, unchosen = groups
    assert rate.label == library.get(RATE).title  # type: ignore[union-attr]
    assert (rate.total, counts(rate)) == (3, [3, 2, 2, 2, 1, 1])
    assert (churn.total, counts(churn)) == (5, [4, 4, 4, 3, 0, 0])
    assert (unchosen.total, counts(unchosen)) == (1, [1, 1, 0, 0, 0, 0])
    assert churn.step("submitted").dropped == 1 and churn.step("submitted").drop_pct == pytest.approx(25.0)
    assert churn.step("met").drop_pct is None  # nobody left to drop after zero reviews
    assert rate.step("opened").drop_pct == pytest.approx(100 / 3)


def test_funnel_per_role(session: Session, library: Library, seeded: Seed) -> None:
    groups = analytics.funnel(analytics.meeting_rows(session, library, Filters()), group_by="role")
    assert [(g.key, g.label, g.total) for g in groups] == [(seeded.backend.id, "Backend developer", 4),
                                                           (seeded.data.id, "Data scientist", 5)]
    assert counts(groups[0]) == [4, 3, 2, 2, 1, 1]
    assert counts(groups[1]) == [4, 4, 4, 3, 0, 0]
    assert groups[1].step("reviewed").drop_pct == pytest.approx(100.0)


def test_funnel_of_nothing_and_an_unknown_grouping() -> None:
    [empty] = analytics.funnel([])
    assert empty.total == 0 and counts(empty) == [0] * 6 and all(s.drop_pct is None for s in empty.steps)
    assert analytics.funnel([], group_by="case") == []
    with pytest.raises(ValueError):
        analytics.funnel([], group_by="team")  # type: ignore[arg-type]


def test_met_without_the_case_still_counts_through_every_stage(session: Session, library: Library,
                                                               factory: Factory) -> None:
    m = factory.meeting(cases=[RATE])
    m.met_at = T0
    session.commit()
    [row] = analytics.meeting_rows(session, library, Filters())
    assert row.furthest == "met" and row.at("invited") is None
    assert counts(analytics.funnel([row])[0]) == [1] * 6


# --------------------------------------------------------------------------- filters


def test_filter_by_role_and_inclusive_utc_dates(session: Session, library: Library, seeded: Seed) -> None:
    def ids(f: Filters) -> set[int]:
        return {r.meeting_id for r in analytics.meeting_rows(session, library, f)}

    ms = seeded.meetings
    assert ids(Filters(role_id=seeded.backend.id)) == {ms[n].id for n in ("m1", "m2", "m3", "m4")}
    assert ids(Filters(until=date(2030, 1, 4))) == {ms[n].id for n in ("m1", "m2", "m3")}
    assert ids(Filters(until=date(2030, 1, 5))) == {ms[n].id for n in ("m1", "m2", "m3", "m4")}  # 23:30 counts
    assert ids(Filters(since=date(2030, 1, 6))) == {ms[f"m{i}"].id for i in range(5, 10)}
    assert ids(Filters(role_id=seeded.backend.id, since=date(2030, 2, 1))) == set()
    assert ids(Filters(role_id=999_999)) == set()
    assert analytics.meeting_rows(session, library, Filters(role_id=999_999)) == []


# --------------------------------------------------------------------------- time spent


def test_median_time_against_estimate_odd_and_even(session: Session, library: Library, seeded: Seed) -> None:
    times = analytics.time_spent(analytics.meeting_rows(session, library, Filters()))
    assert [t.case_slug for t in times] == [RATE, CHURN]
    rate, churn = times
    # rate: 80 (said) and 60 (measured): even count, the mean of the middle two
    assert (rate.count, rate.median_minutes, rate.estimate_minutes) == (2, 70.0, 75)
    assert rate.ratio == pytest.approx(70 / 75) and (rate.reported, rate.measured) == (1, 1)
    # churn: 480 (capped from two days), 100 (said) and 30 (measured): odd count, the middle one
    assert (churn.count, churn.median_minutes, churn.estimate_minutes) == (3, 100.0, 120)
    assert churn.ratio == pytest.approx(100 / 120) and (churn.reported, churn.measured) == (1, 2)


def test_time_spent_of_a_case_that_left_the_library(session: Session, factory: Factory) -> None:
    m = factory.meeting(cases=["retired-case"])
    advance(factory, m, "submitted", "retired-case", minutes=45)
    empty = Library(root=Path("/nonexistent"), cases={}, problems=())
    [row] = analytics.meeting_rows(session, empty, Filters())
    assert (row.case_slug, row.case_title, row.estimate_minutes) == ("retired-case", "retired-case", None)
    [t] = analytics.time_spent([row])
    assert t.median_minutes == 45 and t.ratio is None


# --------------------------------------------------------------------------- ratings


def test_ratings_per_case(session: Session, seeded: Seed) -> None:
    said = {r.case_slug: r for r in analytics.ratings(session, Filters())}
    assert list(said) == [RATE, CHURN, None]
    rate, churn, unknown = said[RATE], said[CHURN], said[None]
    assert (rate.count, rate.realistic_mean, rate.fair_mean) == (1, 5.0, 4.0)
    assert dict(rate.interest) == {"more": 1, "same": 0, "less": 0}
    # m5, m7 (no case named: its submission's case) and m9 (realistic 7 is ignored)
    assert (churn.count, churn.realistic_mean, churn.realistic_count) == (3, 3.5, 2)
    assert churn.fair_mean == pytest.approx(4.0) and churn.fair_count == 3
    assert dict(churn.interest) == {"more": 0, "same": 1, "less": 1}
    assert (unknown.count, unknown.realistic_mean, unknown.fair_mean, unknown.fair_count) == (1, 2.0, None, 0)


def test_ratings_follow_the_filters(session: Session, seeded: Seed) -> None:
    backend = analytics.ratings(session, Filters(role_id=seeded.backend.id))
    assert [(r.case_slug, r.count) for r in backend] == [(RATE, 1), (None, 1)]
    assert analytics.ratings(session, Filters(since=date(2031, 1, 1))) == []


# --------------------------------------------------------------------------- CSV


def parse_csv(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))


def test_csv_one_row_per_meeting(session: Session, library: Library, seeded: Seed) -> None:
    out = parse_csv(analytics.csv_text(analytics.meeting_rows(session, library, Filters())))
    assert len(out) == 9 and list(out[0]) == list(analytics.CSV_COLUMNS)
    m1 = next(r for r in out if r["meeting_id"] == str(seeded.meetings["m1"].id))
    assert m1 == {
        "meeting_id": str(seeded.meetings["m1"].id), "employer": seeded.backend.employer.name,
        "role": "Backend developer", "case": RATE,
        "case_title": library.get(RATE).title,  # type: ignore[union-attr]
        "invited": "2030-01-10T09:00:00Z", "opened": "2030-01-10T10:00:00Z", "started": "2030-01-10T11:00:00Z",
        "submitted": "2030-01-10T12:30:00Z", "reviewed": "2030-01-12T09:00:00Z", "met": "2030-01-15T09:00:00Z",
        "furthest_stage": "met", "minutes_spent": "80", "minutes_source": "reported", "estimate_minutes": "75",
        "felt": "", "realistic": "5", "fair": "4", "interest_change": "more",
    }
    m8 = next(r for r in out if r["meeting_id"] == str(seeded.meetings["m8"].id))
    assert all(m8[s] == "" for s in STAGES) and m8["furthest_stage"] == "" and m8["minutes_spent"] == ""
    m3 = next(r for r in out if r["meeting_id"] == str(seeded.meetings["m3"].id))
    assert m3["case"] == "" and m3["opened"] and not m3["started"]


@pytest.mark.parametrize("value", ["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx", "=HYPERLINK(\"http://x\")"])
def test_formula_injection_guard(value: str) -> None:
    assert analytics.safe_cell(value) == "'" + value


def test_harmless_cells_stay_as_they_are() -> None:
    assert [analytics.safe_cell(v) for v in ("Backend", "1", 5, None, "", "a=b")] == ["Backend", "1", "5", "", "",
                                                                                     "a=b"]


def test_csv_guards_a_hostile_role_title(session: Session, library: Library, factory: Factory) -> None:
    seed(factory, backend_title="=cmd|' /C calc'!A0", data_title="@risky")
    out = parse_csv(analytics.csv_text(analytics.meeting_rows(session, library, Filters())))
    assert {r["role"] for r in out} == {"'=cmd|' /C calc'!A0", "'@risky"}


# --------------------------------------------------------------------------- charts


def parse_svg(svg: str) -> ET.Element:
    root = ET.fromstring(svg)
    assert root.tag == f"{SVG}svg" and root.get("role") == "img"
    title, desc = root.find(f"{SVG}title"), root.find(f"{SVG}desc")
    assert title is not None and desc is not None
    assert set((root.get("aria-labelledby") or "").split()) == {title.get("id"), desc.get("id")}
    return root


def texts(root: ET.Element) -> list[str]:
    return [t.text or "" for t in root.iter(f"{SVG}text")]


def test_funnel_chart_is_well_formed_and_escapes(seeded: Seed, session: Session, library: Library) -> None:
    [overall] = analytics.funnel(analytics.meeting_rows(session, library, Filters()))
    bars = [charts.FunnelBar(s.stage, s.count) for s in overall.steps] + [charts.FunnelBar(HOSTILE, 1, HOSTILE)]
    svg = str(charts.funnel_svg(bars, title=HOSTILE, desc=f"{HOSTILE}\x00\x07", ident="funnel"))
    assert "<script>" not in svg and "&lt;script&gt;" in svg
    root = parse_svg(svg)
    assert root.find(f"{SVG}title").text == HOSTILE  # type: ignore[union-attr]
    assert root.find(f"{SVG}desc").text == HOSTILE  # control characters dropped  # type: ignore[union-attr]
    rects = root.findall(f"{SVG}rect")
    widths = [float(r.get("width") or 0) for r in rects]
    assert widths[0] == max(widths) and widths[0] > widths[4] > 0  # invited is the longest; 1 is still visible
    assert "8" in texts(root) and f"1 ({HOSTILE})" in texts(root)


def test_time_chart_is_well_formed_and_escapes() -> None:
    items = [charts.TimeBar(HOSTILE, 70, 75), charts.TimeBar("x" * 200, 100, None)]
    svg = str(charts.time_svg(items, title="t", desc="d", ident="time", spent_label="spent <b>",
                              estimate_label="estimate & co", unit="min"))
    root = parse_svg(svg)
    shown = texts(root)
    assert HOSTILE in shown and "spent <b>" in shown and "estimate & co" in shown
    assert "70 min" in shown and "75 min" in shown and "estimate & co: –" in shown
    assert any(t.endswith("…") and len(t) <= charts.MAX_LABEL_CHARS for t in shown)
    assert "<b>" not in svg


def test_charts_without_data_and_with_a_bad_id() -> None:
    parse_svg(str(charts.funnel_svg([], title="empty", desc="no data", ident="f")))
    parse_svg(str(charts.time_svg([], title="empty", desc="no data", ident="t", spent_label="s",
                                  estimate_label="e")))
    with pytest.raises(ValueError):
        charts.funnel_svg([], title="x", desc="y", ident='a" onload="alert(1)')


def test_chart_text_escaping_does_not_trust_markup() -> None:
    from markupsafe import Markup

    assert charts.text(Markup("<b>x</b>")) == "&lt;b&gt;x&lt;/b&gt;"
