"""Visible checks for the sign-up page.

Hard checks: the form still posts the same fields to the same place (the backend depends on
it). Everything else is advisory here: shown to you and the reviewers, never a failure.
Screenshots at phone and desktop width are taken by cp-screenshot before these run.
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import a11y_lint as lint  # noqa: E402
from caseportal_check import advisory  # noqa: E402

FIELDS = {"business_name", "name", "email", "phone", "password", "plan", "terms"}


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
    """One advisory per topic, each with what was found, so you can see progress as you go."""
    p, css = page()
    report = {
        "labels": lint.unlabelled_controls(p),
        "alt_text": lint.images_without_alt(p),
        "focus_order": lint.positive_tabindex(p),
        "focus_visible": lint.focus_outline_removed(css),
        "contrast": lint.low_contrast(css),
        "phone_layout": lint.fixed_widths(css),
        "field_types": lint.field_type_issues(p),
    }
    report["viewport_meta"] = [] if lint.has_responsive_viewport(p) else [
        'no <meta name="viewport" content="width=device-width, initial-scale=1">']
    report["page_language"] = [] if p.html_lang else ["<html> has no lang attribute"]
    for name, issues in report.items():
        advisory(name, not issues, "; ".join(issues[:6]) + (f" (+{len(issues) - 6} more)" if len(issues) > 6 else ""))
