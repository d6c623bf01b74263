"""Check names and messages in the visitor's language (casebook.check_texts), the rules that make every shipped
case carry them, and checks/lib/: one copy of each check helper, on the path of both stages."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from caseportal.case_runs import judge_spec_for, spec_for
from caseportal.casebook import display_checks, load_case, load_library, scaffold, validate
from caseportal.casebook.check_texts import untranslated, visible_check_names
from caseportal.config import REPO_ROOT

#: A pytest report as cp-pytest stores it for a failed assert with a message (--tb=short).
REPORT = ("/case/checks/visible/test_visible.py:5: in test_visible\n"
          "    assert total == want, f\"export sums to {total}, PDF says {want}\"\n"
          "E   AssertionError: export sums to 2804.91, PDF says 2804.9\n"
          "E   assert 2804.91 == 2804.9")
SV = {"title": "Ett demo-case", "summary": "Ett kort demo-case på svenska.", "review_focus": ["Koden"],
      "reviewer_prompts": [{"ask": "Vad provade du först?", "good": "Ett litet exempel."}],
      "check_names": {"test_visible": "Summan stämmer", "test_x": "Ett parametriserat namn"},
      "check_messages": {"export sums to {got}, PDF says {want}": "exporten summerar till {got}, PDF:en säger {want}",
                         "{message} (waited {s} s)": "{message} (väntade {s} s)",
                         "no options appeared": "inga alternativ visades",
                         "needs a working {file} first": "kräver först en fungerande {file}",
                         "{n} image(s) without an alt attribute": "bilder utan alt-attribut: {n}"}}


def _case(tmp_path: Path, sv: dict[str, Any] | None = None, **changes: Any) -> Path:
    """A scaffolded coding case in English and Swedish (``sv`` its translation) with ``changes`` to its yaml."""
    folder = scaffold(tmp_path, "demo-case", "coding")
    (folder / "brief.sv.md").write_text("# Ett demo-case\n\nHej.\n", encoding="utf-8")
    data = yaml.safe_load((folder / "case.yaml").read_text(encoding="utf-8"))
    data.update(languages=["en", "sv"], review_focus=["The code"], translations={"sv": sv or SV}, **changes)
    (folder / "case.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return folder


def test_a_swedish_candidate_reads_the_name_and_the_message_in_swedish(tmp_path: Path) -> None:
    case = load_case(_case(tmp_path, check_names={"test_visible": "The total adds up"}))
    check = {"name": "test_visible", "status": "failed", "message": REPORT, "visible": True}
    [sv] = display_checks(case, [check], "sv")
    assert sv["name"] == "Summan stämmer" and sv["check"] == "test_visible"
    assert sv["text"] == "exporten summerar till 2804.91, PDF:en säger 2804.9"
    assert "E   AssertionError: exporten summerar till 2804.91, PDF:en säger 2804.9" in sv["message"]
    assert "assert 2804.91 == 2804.9" in sv["message"]  # the code stays code
    [en] = display_checks(case, [check], "en")
    assert (en["name"], en["text"], en["message"]) == ("The total adds up", "export sums to 2804.91, PDF says 2804.9",
                                                       REPORT)


def test_names_fall_back_to_english_then_to_the_checkers_name(tmp_path: Path) -> None:
    case = load_case(_case(tmp_path, check_names={"only_english": "Only in English"}))
    rows = display_checks(case, [{"name": n} for n in ("test_x[a-1]", "only_english", "unknown")], "sv")
    assert [r["name"] for r in rows] == ["Ett parametriserat namn [a-1]", "Only in English", "unknown"]
    assert [r["name"] for r in display_checks(None, [{"name": "test_x"}], "sv")] == ["test_x"]


def test_advisories_skips_and_wrapped_messages_are_translated(tmp_path: Path) -> None:
    case = load_case(_case(tmp_path))
    checks = [{"name": "alt_text", "status": "advisory", "message": "not ok: 2 image(s) without an alt attribute"},
              {"name": "test_y", "status": "advisory", "message": "needs a working queries/a.sql first"},
              {"name": "test_z", "status": "failed",
               "message": "x.py:3: in test_z\n    page.wait()\nE   AssertionError: no options appeared (waited 3 s)\n"
                          "E     input value 'upp'"}]
    rows = display_checks(case, checks, "sv", {"ok": "ok", "not ok": "inte ok"})
    assert rows[0]["message"] == "inte ok: bilder utan alt-attribut: 2"
    assert rows[1]["message"] == rows[1]["text"] == "kräver först en fungerande queries/a.sql"
    assert rows[2]["text"] == "inga alternativ visades (väntade 3 s)"  # the wrapped words are translated too


def test_pythons_own_errors_and_bare_asserts_are_code_not_words_to_translate(tmp_path: Path) -> None:
    case = load_case(_case(tmp_path))
    errors = ["x.py:3: in test_a\n    from m import X\nE   ImportError: cannot import name 'X'",
              "x.py:3: in test_b\n    assert f() == 2\nE   AssertionError: assert 1 == 2\nE     - 2\nE     + 1"]
    rows = display_checks(case, [{"name": "test_visible", "message": m} for m in errors], "sv")
    assert [(r["message"], r["text"]) for r in rows] == [(m, "") for m in errors]
    assert untranslated(case, [{"name": "test_visible", "message": m} for m in errors]) == []


def test_untranslated_lists_what_a_swedish_candidate_would_read_in_english(tmp_path: Path) -> None:
    case = load_case(_case(tmp_path))
    found = untranslated(case, [{"name": "test_visible", "message": "E   AssertionError: the total is off"},
                                {"name": "screenshot_phone", "message": ""}])
    assert found == ["sv: no translation of test_visible's message 'the total is off'",
                     "sv: no name for check 'screenshot_phone'"]


def test_visible_check_names_are_read_off_the_source() -> None:
    source = (b"from caseportal_check import advisory\n"
              b"def test_a():\n    advisory('fixed_name', True)\n    advisory(name, True)\n"
              b"class TestB:\n    def test_c(self):\n        pass\n    def helper(self):\n        pass\n"
              b"def helper():\n    pass\n")
    assert visible_check_names({"test_v.py": source, "rules.py": b"def test_not_a_check(): pass\n",
                                "test_broken.py": b"def (:\n"}) == ["test_a", "TestB::test_c", "fixed_name"]


def test_a_listed_language_names_every_visible_check(tmp_path: Path) -> None:
    problems = validate(_case(tmp_path, sv={**SV, "check_names": {"test_other": "Något annat"}}))
    assert [(p.field, p.message) for p in problems] == [
        ("translations.sv.check_names", "give a name in 'sv' to every visible check; missing: test_visible")]


def test_a_translated_message_uses_only_what_its_english_template_captures(tmp_path: Path) -> None:
    problems = validate(_case(tmp_path, sv={**SV, "check_messages": {"total {got}": "summan {got} av {want}"}}))
    assert [p.field for p in problems] == ["translations.sv.check_messages"]
    assert "uses want" in problems[0].message


def test_reviewer_prompts_are_required_and_match_point_for_point(tmp_path: Path) -> None:
    missing = {k: v for k, v in SV.items() if k != "reviewer_prompts"}
    problems = validate(_case(tmp_path / "a", sv=missing))
    assert [(p.field, p.message) for p in problems] == [("translations.sv.reviewer_prompts",
                                                         "required field is missing")]
    two = [{"ask": "Fråga ett?", "good": "Bra."}, {"ask": "Fråga två?", "good": "Bra."}]
    problems = validate(_case(tmp_path / "b", sv={**SV, "reviewer_prompts": two}))
    assert [(p.field, p.message) for p in problems] == [("translations.sv.reviewer_prompts",
                                                         "has 2 items; the English reviewer_prompts has 1")]
    case = load_case(_case(tmp_path / "c"))
    assert [p.ask for p in case.text("sv").reviewer_prompts] == ["Vad provade du först?"]
    assert case.text("en").reviewer_prompts == case.reviewer_prompts


def test_every_shipped_case_names_its_checks_and_asks_its_questions_in_swedish() -> None:
    for case in load_library(REPO_ROOT / "cases"):
        sv = case.text("sv")
        assert len(sv.reviewer_prompts) == len(case.reviewer_prompts), case.slug
        assert [bool(p.tradeoffs) for p in sv.reviewer_prompts] == [bool(p.tradeoffs) for p in case.reviewer_prompts]
        assert not {p.ask for p in sv.reviewer_prompts} & {p.ask for p in case.reviewer_prompts}, case.slug
        for name in visible_check_names(case.visible_checks):
            assert sv.check_names.get(name), (case.slug, name)


# --------------------------------------------------------------------------- checks/lib/


def _lib_case(tmp_path: Path) -> Path:
    """The scaffolded case with its rule in checks/lib/rules.py, imported by the visible and the judge check."""
    folder = scaffold(tmp_path, "lib-case", "coding")
    (folder / "checks" / "lib").mkdir()
    (folder / "checks" / "lib" / "rules.py").write_text("WANT = ['b', 'c']\n", encoding="utf-8")
    for test in (folder / "checks" / "visible" / "test_visible.py", folder / "checks" / "judge" / "test_judge.py"):
        test.write_text("import rules\n" + test.read_text(encoding="utf-8"), encoding="utf-8")
    return folder


def test_lib_reaches_both_stages_on_their_path(tmp_path: Path) -> None:
    case = load_case(_lib_case(tmp_path))
    assert case.lib_checks == {"rules.py": b"WANT = ['b', 'c']\n"}
    practice = spec_for(case, {}, "visible", image_ref="img:1")
    judge = judge_spec_for(case, {}, {}, "img:1")
    for spec in (practice, judge, spec_for(case, {}, "all", image_ref="img:1")):
        assert spec.case_files["checks/lib/rules.py"] == b"WANT = ['b', 'c']\n"
        assert spec.env["PYTHONPATH"] == "/case/checks/lib"
    assert not any(k.startswith("checks/judge/") for k in practice.case_files)
    assert judge.env["CASEPORTAL_CHECKS"] == "judge" and practice.env["CASEPORTAL_CHECKS"] == "visible"


def test_a_case_without_lib_has_no_extra_path(tmp_path: Path) -> None:
    case = load_case(scaffold(tmp_path, "plain-case", "coding"))
    assert spec_for(case, {}, "visible", image_ref="img:1").env == {"CASEPORTAL_CHECKS": "visible"}


def test_lib_holds_one_copy_of_helpers_the_candidates_checks_use(tmp_path: Path) -> None:
    folder = _lib_case(tmp_path)
    (folder / "checks" / "judge" / "rules.py").write_text("WANT = ['b', 'c']\n", encoding="utf-8")
    (folder / "checks" / "lib" / "test_rules.py").write_text("def test_x(): pass\n", encoding="utf-8")
    problems = sorted(str(p).split("/lib-case/", 1)[1] for p in validate(folder))
    assert problems == [
        "checks/judge/rules.py: -: checks/lib/ has a module of this name: keep one copy, in checks/lib/",
        "checks/lib/test_rules.py: -: checks/lib/ holds helpers, not checks: move test_*.py to visible/ or judge/"]


def test_a_helper_only_the_judge_uses_stays_out_of_lib(tmp_path: Path) -> None:
    folder = _lib_case(tmp_path)
    visible = folder / "checks" / "visible" / "test_visible.py"
    visible.write_text(visible.read_text(encoding="utf-8").replace("import rules\n", ""), encoding="utf-8")
    problems = [str(p) for p in validate(folder)]
    assert len(problems) == 1 and "keep a helper only the judge uses in checks/judge/" in problems[0]


def test_the_shipped_cases_keep_one_copy_of_each_helper() -> None:
    """Before issue 18 judge/ and visible/ carried byte-for-byte copies; now each helper lives in lib/ once."""
    with_lib = {c.slug: set(c.lib_checks) for c in load_library(REPO_ROOT / "cases") if c.lib_checks}
    assert {"accessible-signup-form", "bakery-demand-forecast", "signup-funnel-ab-test", "station-search-combobox",
            "subscription-churn", "support-ticket-routing-eval"} <= set(with_lib)
    for case in load_library(REPO_ROOT / "cases"):
        names = [Path(n).name for n in (*case.visible_checks, *case.hidden_checks, *case.judge_checks)]
        assert len(names) == len(set(names)), case.slug
        assert not set(names) & set(case.lib_checks), case.slug
