"""The analytics page and CSV through the test client: access, filters, charts as XML, the download."""

from __future__ import annotations

import csv
import io
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from flask.testing import FlaskClient

from caseportal.casebook import scaffold
from caseportal.config import Settings
from caseportal.models import StaffRole
from tests.analytics_seed import CHURN, HOSTILE, RATE, SVG, Seed, seed
from tests.conftest import Factory, login

FORMULA_TITLE = "=cmd|' /C calc'!A0"


@pytest.fixture()
def settings(tmp_path: Path) -> Settings:
    """Our own library with the seed's two slugs: a hostile title (from a file) and one that looks like a formula."""
    lib = tmp_path / "cases"
    for slug, kind, title, minutes in ((RATE, "coding", HOSTILE, 75), (CHURN, "data", FORMULA_TITLE, 90)):
        yaml_path = scaffold(lib, slug, kind) / "case.yaml"
        quoted = "'" + title.replace("'", "''") + "'"
        text = re.sub(r'^title: .*$', lambda _m, q=quoted: f"title: {q}", yaml_path.read_text(), flags=re.M)
        yaml_path.write_text(text.replace("time_estimate_minutes: 60", f"time_estimate_minutes: {minutes}"))
    return Settings.for_tests(tmp_path, cases_dir=lib)


@pytest.fixture()
def seeded(factory: Factory) -> Seed:
    return seed(factory, backend_title="<b>Backend</b> & \"APIs\"", data_title="@Data")


@pytest.fixture()
def manager(client: FlaskClient, factory: Factory) -> FlaskClient:
    login(client, factory.user(StaffRole.MANAGER))
    return client


def svgs(html: str) -> list[ET.Element]:
    return [ET.fromstring(s) for s in re.findall(r"<svg\b.*?</svg>", html, flags=re.S)]


def table_after(html: str, caption_start: str) -> str:
    m = re.search(r"<caption>" + re.escape(caption_start) + r".*?</table>", html, flags=re.S)
    assert m, f"no table captioned {caption_start!r}"
    return m.group(0)


def cells(table: str) -> list[list[str]]:
    rows = re.findall(r"<tr>(.*?)</tr>", table, flags=re.S)
    return [[" ".join(re.sub(r"<[^>]+>", " ", c).split())
             for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", r, flags=re.S)] for r in rows]


# --------------------------------------------------------------------------- access


@pytest.mark.parametrize("path", ["/analytics", "/analytics.csv"])
def test_anonymous_visitors_are_sent_to_login(client: FlaskClient, path: str) -> None:
    resp = client.get(path)
    assert resp.status_code == 302 and "/login" in resp.headers["Location"]


@pytest.mark.parametrize("path", ["/analytics", "/analytics.csv"])
def test_reviewers_may_not_see_analytics(client: FlaskClient, factory: Factory, path: str) -> None:
    login(client, factory.user(StaffRole.REVIEWER))
    assert client.get(path).status_code == 403


@pytest.mark.parametrize("role", [StaffRole.MANAGER, StaffRole.ADMIN])
@pytest.mark.parametrize("path", ["/analytics", "/analytics.csv"])
def test_managers_and_admins_see_analytics(client: FlaskClient, factory: Factory, role: StaffRole,
                                           path: str) -> None:
    login(client, factory.user(role))
    assert client.get(path).status_code == 200


def test_the_dashboard_links_to_analytics_for_managers_only(client: FlaskClient, factory: Factory) -> None:
    login(client, factory.user(StaffRole.MANAGER))
    assert b'href="/analytics"' in client.get("/meetings").data
    client.post("/logout")
    login(client, factory.user(StaffRole.REVIEWER))
    assert b'href="/analytics"' not in client.get("/meetings").data


# --------------------------------------------------------------------------- the page


def test_empty_page_is_friendly(manager: FlaskClient) -> None:
    html = manager.get("/analytics").get_data(as_text=True)
    assert "No meetings match these filters yet." in html and "No feedback from candidates yet." in html
    assert "<svg" not in html


def test_page_shows_funnel_times_and_ratings(manager: FlaskClient, seeded: Seed) -> None:
    html = manager.get("/analytics").get_data(as_text=True)
    assert html.count("<h1") == 1
    assert "9 meetings match." in html and "1 of them has no invitation yet." in html
    overall = cells(table_after(html, "All meetings"))
    assert overall[1:] == [["invited", "8", "–", "–", "100%"], ["opened", "7", "1", "12%", "88%"],
                           ["started", "6", "1", "14%", "75%"], ["submitted", "5", "1", "17%", "62%"],
                           ["reviewed", "1", "4", "80%", "12%"], ["met", "1", "0", "0%", "12%"]]
    by_case = cells(table_after(html, "Per case"))
    assert by_case[1][:3] == [HOSTILE.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
                              .replace('"', "&#34;").replace("'", "&#39;"), "3", "3"]
    assert by_case[3][0] == "not chosen yet" and by_case[3][1:] == ["1", "1", "1", "0 −1 (100%)", "0", "0", "0"]
    by_role = cells(table_after(html, "Per role"))
    assert [r[0] for r in by_role[1:]] == ["&lt;b&gt;Backend&lt;/b&gt; &amp; &#34;APIs&#34;", "@Data"]
    times = cells(table_after(html, "Median time"))
    assert times[1][1:4] == ["75", "70", "0.93×"] and times[2][1:4] == ["90", "100", "1.11×"]
    said = cells(table_after(html, "Candidates"))
    assert said[1][1:] == ["1", "–", "5.0 (n = 1)", "4.0 (n = 1)", "1", "0", "0"]
    assert said[3][0] == "case not known"
    assert "<script>alert" not in html and "<b>Backend" not in html


def test_charts_are_well_formed_accessible_and_escaped(manager: FlaskClient, seeded: Seed) -> None:
    html = manager.get("/analytics").get_data(as_text=True)
    funnel, time = svgs(html)
    for chart in (funnel, time):
        assert chart.get("role") == "img"
        ids = (chart.get("aria-labelledby") or "").split()
        assert [chart.find(f"{SVG}title").get("id"), chart.find(f"{SVG}desc").get("id")] == ids  # type: ignore[union-attr]
        assert all(f'id="{i}"' in html for i in ids) and all(html.count(f'id="{i}"') == 1 for i in ids)
    labels = [t.text for t in time.iter(f"{SVG}text")]
    assert HOSTILE in labels and FORMULA_TITLE in labels and "100 min" in labels
    assert "8 (100% of invited)" in [t.text for t in funnel.iter(f"{SVG}text")]
    # each chart is followed by its table
    assert re.search(r"</svg>\s*<table", html)
    assert all(re.search(r"</svg>\s*<table", part) for part in html.split("<svg")[1:])


def test_role_filter(manager: FlaskClient, seeded: Seed) -> None:
    html = manager.get(f"/analytics?role={seeded.backend.id}").get_data(as_text=True)
    assert "4 meetings match." in html
    assert cells(table_after(html, "All meetings"))[1] == ["invited", "4", "–", "–", "100%"]
    assert f'<option selected value="{seeded.backend.id}">' in html
    assert f'/analytics.csv?role={seeded.backend.id}"' in html  # the download keeps the filters


def test_date_filter_is_inclusive(manager: FlaskClient, seeded: Seed) -> None:
    html = manager.get("/analytics?since=2030-01-01&until=2030-01-05").get_data(as_text=True)
    assert "4 meetings match." in html
    html = manager.get("/analytics?role=&since=2030-02-10&until=2030-02-10").get_data(as_text=True)
    assert "5 meetings match." in html


@pytest.mark.parametrize("query, message", [
    ("role=abc", "Please choose one of the options"),
    ("role=999999", "Please choose one of the options"),
    ("since=yesterday", "Please enter a date"),
    ("since=2030-02-01&until=2030-01-01", "The end date must be on or after the start date."),
])
def test_invalid_filters_are_explained(manager: FlaskClient, seeded: Seed, query: str, message: str) -> None:
    resp = manager.get(f"/analytics?{query}")
    html = resp.get_data(as_text=True)
    assert resp.status_code == 400 and message in html and "meetings match" not in html
    assert "Please correct the filters" in html
    assert manager.get(f"/analytics.csv?{query}").status_code == 400


# --------------------------------------------------------------------------- CSV


def test_csv_download(manager: FlaskClient, seeded: Seed) -> None:
    resp = manager.get("/analytics.csv")
    assert resp.status_code == 200
    assert resp.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert re.fullmatch(r'attachment; filename="pipeline-\d{4}-\d{2}-\d{2}\.csv"', resp.headers["Content-Disposition"])
    assert resp.headers["Cache-Control"] == "no-store"
    text = resp.data.decode("utf-8")
    assert text.startswith("\ufeffmeeting_id,role,case,case_title,invited,")
    rows = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
    assert len(rows) == 9
    assert {r["role"] for r in rows} == {'<b>Backend</b> & "APIs"', "'@Data"}
    assert {r["case_title"] for r in rows} == {HOSTILE, "'" + FORMULA_TITLE, ""}
    assert "Candidate m1" not in text  # no candidate names in the export


def test_csv_follows_the_filters(manager: FlaskClient, seeded: Seed) -> None:
    rows = list(csv.DictReader(io.StringIO(
        manager.get(f"/analytics.csv?role={seeded.data.id}&since=2030-02-01").data.decode("utf-8-sig"))))
    assert sorted(int(r["meeting_id"]) for r in rows) == sorted(seeded.meetings[f"m{i}"].id for i in range(5, 10))
    assert {r["furthest_stage"] for r in rows} == {"submitted", "started", ""}


def test_page_and_csv_in_swedish(manager: FlaskClient, seeded: Seed) -> None:
    manager.set_cookie("lang", "sv")
    resp = manager.get("/analytics")
    assert resp.status_code == 200 and 'lang="sv"' in resp.get_data(as_text=True)
    assert "100\xa0%" in resp.get_data(as_text=True)  # Swedish percent style, from the locale
    assert manager.get("/analytics.csv").data.decode("utf-8-sig").startswith("meeting_id,role,")  # never translated
