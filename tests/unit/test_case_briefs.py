"""The rules docs/cases.md sets for shipped cases ("Times and thresholds"), checked on every case of
the real library: the stated time matches case.yaml in every language, thresholds of hidden checks are
in the briefs and shared with the visible advisories, notebooks render their headings, the
meeting has a prompt for the candidate's questions, and a symptom-only fix of the invoice bug
fails a visible check."""

from __future__ import annotations

import ast
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from caseportal.casebook import load_case, load_library

REPO = Path(__file__).resolve().parents[2]
CASES = REPO / "cases"
#: every case in the library: a new case follows these rules from the day it ships
SHIPPED = sorted(load_library(CASES).cases)
STATED_TIME = {"en": r"\babout (\d+) minutes\b", "sv": r"\bungefär (\d+) minuter\b"}


def constant(path: Path, name: str) -> object:
    """A module-level constant of a check helper, read without importing it (it needs pandas)."""
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == name for t in node.targets):
            return ast.literal_eval(node.value)
    raise AssertionError(f"{path.name} defines no {name}")


@pytest.mark.parametrize("slug", SHIPPED)
def test_the_stated_time_is_the_estimate_in_every_language(slug: str) -> None:
    case = load_case(CASES / slug)
    for lang, brief in case.briefs.items():
        found = re.search(STATED_TIME[lang], " ".join(brief.split()))
        assert found, f"{slug} brief ({lang}) states no time"
        assert int(found.group(1)) == case.time_estimate_minutes, f"{slug} ({lang}): {found.group(0)}"


@pytest.mark.parametrize("slug", SHIPPED)
def test_notebook_cases_leave_room_for_exploring(slug: str) -> None:
    case = load_case(CASES / slug)
    if any("cp-notebook" in part for part in case.command or ()):
        assert case.time_estimate_minutes >= 120, "set-up, exploration, a model and a note take two hours"


@pytest.mark.parametrize("slug", SHIPPED)
def test_the_meeting_hands_over_to_the_candidates_questions(slug: str) -> None:
    prompts = [p.ask for p in load_case(CASES / slug).reviewer_prompts]
    assert any(p.startswith("Your turn") and "how" in p and "team" in p for p in prompts), prompts


@pytest.mark.parametrize("slug", SHIPPED)
def test_notebook_headings_render(slug: str) -> None:
    """A markdown cell starting '# # Title' renders as a heading with a stray '#'."""
    for path in sorted((CASES / slug).glob("*/**/*.ipynb")):
        for cell in json.loads(path.read_text())["cells"]:
            source = "".join(cell["source"])
            if cell["cell_type"] == "markdown":
                assert not re.match(r"#+ +#", source), f"{path.relative_to(CASES)}: {source[:40]!r}"


@pytest.mark.parametrize(("slug", "helper", "name", "en", "sv"), [
    ("subscription-churn", "churn_rules.py", "MARGIN", "at least {} higher", "minst {} högre"),
    ("bakery-demand-forecast", "forecast_rules.py", "SPECIAL_DAY_RATIO", "less than {} times", "lägre än {} gånger"),
])
def test_thresholds_are_stated_and_shared(slug: str, helper: str, name: str, en: str, sv: str) -> None:
    """The brief states the hidden check's threshold in words, and the visible advisory and the
    hidden check import it from one helper instead of each keeping their own."""
    folder = CASES / slug
    value = constant(folder / "checks" / "lib" / helper, name)
    briefs = {lang: " ".join((folder / f"brief{'' if lang == 'en' else '.' + lang}.md").read_text().split())
              for lang in ("en", "sv")}
    assert en.format(value) in briefs["en"]
    assert sv.format(str(value).replace(".", ",")) in briefs["sv"]
    module = helper.removesuffix(".py")
    assert not any((folder / "checks" / kind / helper).exists() for kind in ("visible", "hidden", "judge")), \
        f"{helper} has one copy, in checks/lib/"
    for kind in ("visible", "judge"):
        for test in (folder / "checks" / kind).glob("test_*.py"):
            source = test.read_text()
            assert f"import {module}" in source, f"{test.name} does not use {helper}"
            assert not re.search(rf"^{name}\s*=", source, re.M), f"{test.name} keeps its own {name}"


def test_the_baselines_are_described_in_both_languages() -> None:
    churn = {lang: " ".join((CASES / "subscription-churn" / f).read_text().split())
             for lang, f in (("en", "brief.md"), ("sv", "brief.sv.md"))}
    assert "last_login_days" in churn["en"] and "last_login_days" in churn["sv"]
    bakery = {lang: " ".join((CASES / "bakery-demand-forecast" / f).read_text().split())
              for lang, f in (("en", "brief.md"), ("sv", "brief.sv.md"))}
    assert "last seven days of the history" in bakery["en"] and "sju sista dagarna i historiken" in bakery["sv"]
    assert "keep_default_na=False" in bakery["en"] and "keep_default_na=False" in bakery["sv"]


def test_swedish_briefs_avoid_translated_words() -> None:
    """'polletter' (tokens) and 'märkning' (for markup) read as translations to Swedish developers."""
    for slug in SHIPPED:
        brief = load_case(CASES / slug).briefs.get("sv", "")
        assert not re.search(r"\bpollett|\bmärkning\b", brief, re.I), slug


def run_visible_checks(slug: str, files: dict[str, str], tmp_path: Path) -> subprocess.CompletedProcess[str]:
    work = tmp_path / "work"
    shutil.copytree(CASES / slug / "starter", work)
    for name, text in files.items():
        (work / name).write_text(text)
    return subprocess.run([sys.executable, "-m", "pytest", "-v", "-p", "no:cacheprovider",
                           str(CASES / slug / "checks" / "visible")], cwd=work, capture_output=True, text=True,
                          timeout=120, check=False)


def test_a_symptom_only_fix_of_the_invoice_fails_a_visible_check(tmp_path: Path) -> None:
    """Plugging the difference into the export's last row makes the export agree with the PDF,
    but the PDF still disagrees with Finance: a visible check must say so before submitting."""
    export = (CASES / "invoice-rounding-bug" / "starter" / "billing" / "export.py").read_text()
    plugged = export.replace("    return rows\n", (
        "    from decimal import Decimal\n"
        "    for row in rows:\n"
        "        row[\"gross\"] = Decimal(str(row[\"gross\"])).quantize(Decimal(\"0.01\"))\n"
        "    rows[-1][\"gross\"] += Decimal(str(invoice.total())) - sum(r[\"gross\"] for r in rows)\n"
        "    return rows\n"))
    assert plugged != export
    result = run_visible_checks("invoice-rounding-bug", {"billing/export.py": plugged}, tmp_path)
    assert "test_bug_231_export_sums_to_the_pdf_total PASSED" in result.stdout, result.stdout
    assert "test_bug_231_total_is_what_finance_gets_by_hand FAILED" in result.stdout, result.stdout


def test_the_reference_invoice_passes_the_visible_checks(tmp_path: Path) -> None:
    solution = CASES / "invoice-rounding-bug" / "solution"
    files = {str(p.relative_to(solution)): p.read_text() for p in solution.rglob("*.py")}
    result = run_visible_checks("invoice-rounding-bug", files, tmp_path)
    assert result.returncode == 0, result.stdout
