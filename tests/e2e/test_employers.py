"""Employers with their own brand in a real browser (issue 15), in English on a desktop and in Swedish on a phone:
a consultant (the demo's firm-wide manager) sets up two employers, one with a logo and a brand colour, and a role
for each; a candidate of the branded employer's role sees that employer's logo, name and colour in the header,
and nothing of the other employer. axe-core checks every page.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from playwright.sync_api import expect

from .conftest import DESKTOP, PHONE, Journey, LiveServer

pytestmark = [pytest.mark.browser, pytest.mark.docker]

BRAND = "#7c2d12"  # white on it: 9.4:1
BRAND_RGB = "rgb(124, 45, 18)"
TEXT = {
    "en": {"email": "Email", "password": "Password", "login": "Log in", "add": "Add an employer", "name": "Name",
           "about": "About the employer", "colour": "Brand colour", "logo": "Logo (PNG, JPEG, WebP or GIF)",
           "save": "Save employer", "saved": "Employer saved.", "new_role": "Describe a new role for this employer",
           "title": "Title", "save_role": "Save role", "role_saved": "Role saved.", "about_h": "About %s"},
    "sv": {"email": "E-post", "password": "Lösenord", "login": "Logga in", "add": "Lägg till en arbetsgivare",
           "name": "Namn", "about": "Om arbetsgivaren", "colour": "Profilfärg",
           "logo": "Logotyp (PNG, JPEG, WebP eller GIF)", "save": "Spara arbetsgivaren",
           "saved": "Arbetsgivaren är sparad.", "new_role": "Beskriv en ny roll hos arbetsgivaren",
           "title": "Titel", "save_role": "Spara rollen", "role_saved": "Rollen är sparad.", "about_h": "Om %s"},
}


def _logo_file(folder: Path) -> Path:
    path = folder / "logo.png"
    image = Image.new("RGB", (240, 80), BRAND)
    out = io.BytesIO()
    image.save(out, format="PNG")
    path.write_bytes(out.getvalue())
    return path


def _invite_for_role(server: LiveServer, role_title: str, candidate: str, email: str) -> str:
    return server.invite(candidate, email, "api-rate-limiter", role_title=role_title)


def _employer(page: Any, j: Journey, t: dict[str, str], name: str, role: str, *, logo: Path | None = None,
              colour: str = "", step: str) -> None:
    """Add an employer (about text, optional logo and colour), then a role for it from its page."""
    page.goto(j.url("/employers/new"))
    page.get_by_label(t["name"], exact=True).fill(name)
    page.get_by_label(t["about"]).fill(f"{name} builds **things** people use.")
    if colour:
        page.get_by_label(t["colour"]).fill(colour)
    if logo is not None:
        page.get_by_label(t["logo"]).set_input_files(str(logo))
    j.step(page, f"{step}-employer-form")
    page.get_by_role("button", name=t["save"]).click()
    expect(page.get_by_text(t["saved"])).to_be_visible()
    page.get_by_role("link", name=t["new_role"]).click()
    page.get_by_label(t["title"], exact=True).fill(role)
    j.step(page, f"{step}-role-form")
    page.get_by_role("button", name=t["save_role"]).click()
    expect(page.get_by_text(t["role_saved"])).to_be_visible()


@pytest.mark.parametrize(("lang", "viewport"), [("en", DESKTOP), ("sv", PHONE)], ids=["en-desktop", "sv-phone"])
def test_a_candidate_sees_their_employers_brand(journey: Journey, live_server: LiveServer, tmp_path: Path,
                                                lang: str, viewport: dict[str, int]) -> None:
    j, t = journey, TEXT[lang]
    branded, plain = f"Kestrel Bank {lang}", f"Lindqvist Logistik {lang}"
    mobile = {"is_mobile": True, "has_touch": True} if viewport is PHONE else {}
    page = j.page(viewport, locale="sv-SE" if lang == "sv" else "en-GB", **mobile)

    page.goto(j.url("/login"))
    page.get_by_label(t["email"]).fill("manager@demo.example.org")
    page.get_by_label(t["password"]).fill(live_server.passwords["manager@demo.example.org"])
    page.get_by_role("button", name=t["login"]).click()
    _employer(page, j, t, branded, f"Risk analyst {lang}", logo=_logo_file(tmp_path), colour=BRAND, step="branded")
    _employer(page, j, t, plain, f"Route planner {lang}", step="plain")
    page.goto(j.url("/employers"))
    expect(page.get_by_role("link", name=branded, exact=True)).to_be_visible()
    expect(page.get_by_role("link", name=plain, exact=True)).to_be_visible()
    j.step(page, "employers-list")

    link = _invite_for_role(live_server, f"Risk analyst {lang}", f"Kim Kestrel {lang}", f"kim.{lang}@example.org")
    cand = j.page(viewport, locale="sv-SE" if lang == "sv" else "en-GB", **mobile)
    cand.goto(link)
    header = cand.locator("header.top")
    expect(header.locator(".employer-name")).to_have_text(branded)
    logo = header.locator("img.employer-logo")
    expect(logo).to_be_visible()
    assert logo.evaluate("img => img.complete && img.naturalWidth > 0"), "the logo did not load"
    assert header.evaluate("h => getComputedStyle(h).backgroundColor") == BRAND_RGB
    expect(cand.get_by_role("heading", name=t["about_h"] % branded)).to_be_visible()
    expect(cand).to_have_title(f"{'Your meeting' if lang == 'en' else 'Ditt möte'} · {branded}")
    assert plain not in cand.content()
    assert "caseportal" not in header.inner_text()  # caseportal's own name only in the footer
    j.step(cand, "candidate-home-branded")
    j.finish()
