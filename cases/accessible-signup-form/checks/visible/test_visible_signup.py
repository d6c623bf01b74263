"""Visible checks for the sign-up page.

Hard checks: the form still posts the same fields to the same place (the backend depends on
it). Everything else is advisory here: shown to you and the reviewers, never a failure. The
linter reports how many problems of each kind it finds, not where: finding them is the work.
Screenshots at phone and desktop width are taken by cp-screenshot before these run.
"""

import subprocess

import a11y_lint as lint
import form_probe
from caseportal_check import advisory

FIELDS = {"business_name", "name", "email", "phone", "password", "plan", "terms"}
#: one sentence per kind of problem; {n} is how many the linter found
KINDS = {
    "labels": "{n} form field(s) without a label that screen readers announce",
    "alt_text": "{n} image(s) without an alt attribute",
    "focus_order": "{n} element(s) with a positive tabindex, which overrides the natural focus order",
    "focus_visible": "{n} focus style(s) that hide where the focus is",
    "contrast": "{n} text element(s) below WCAG contrast against the background behind them",
    "phone_layout": "{n} fixed width(s) wider than a 390 px phone",
    "field_types": "{n} problem(s) with field types or autocomplete (phone keyboards, autofill)",
    "viewport_meta": "the page does not scale to the phone's width (viewport meta)",
    "page_language": "the page does not declare its language",
}


def page():
    return lint.load("index.html")


def test_form_posts_to_the_trial_endpoint():
    p, _ = page()
    forms = [f for f in p.all("form") if f.get("id") == "signup"]
    assert forms, "the page needs the <form id=\"signup\"> (the backend and analytics use it)"
    assert forms[0].get("method").lower() == "post" and forms[0].get("action") == "/trial"


def test_form_submits_the_same_fields():
    p, _ = page()
    names = {e.get("name") for e in lint.form_controls(p, "signup") if e.get("name")}
    assert names == FIELDS, f"missing: {sorted(FIELDS - names)}, unexpected: {sorted(names - FIELDS)}"


def test_form_can_be_submitted():
    p, _ = page()
    assert lint.submit_controls(p, "signup"), "the form needs a real submit button"


def test_advisories():
    """One advisory per kind of problem with how many were found, so you can see progress."""
    p, css = page()
    for name, issues in lint.findings(p, css).items():
        advisory(name, not issues, KINDS[name].format(n=len(issues)) if issues else "")


def test_advisory_error_messages():
    """Chromium sends the empty form: does the page stop it, say what is missing and move focus?"""
    try:
        problems = form_probe.probe("index.html").problems()
    except (RuntimeError, subprocess.TimeoutExpired) as exc:
        problems = [f"the page could not be tried in the browser: {exc}"]
    advisory("error_messages", not problems, "; ".join(problems))
