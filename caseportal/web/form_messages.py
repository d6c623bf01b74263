"""Form validation messages in our own words, in both languages, instead of WTForms' built-in catalogue.

WTForms ships its own Swedish ("Felaktig epost-adress", "Inte ett giltigt heltal"), spelled and phrased unlike
the rest of the product, and its English is terse ("Invalid input."). Every validator message WTForms can
produce is mapped here to one of ours, which lives in our catalogue (messages.po) like any other string, so a
form error reads like the page around it, in English too ("Please enter a date.", not "Not a valid date value."). A
message we do not know (a future WTForms release) falls back to WTForms' catalogue rather than failing.

Flask-WTF asks ``request.wtforms_translations`` for these texts; :func:`init_app` puts ours there on every
request, after ``template_i18n`` has put WTForms' own (which stays our fallback).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask, request
from flask_babel import get_translations

from caseportal.i18n import N_

_Plural = Callable[[Any, int], str]

#: WTForms' message -> ours (singular messages).
SINGULAR: dict[str, str] = {
    "This field is required.": N_("This field is required."),
    "Invalid input.": N_("Please check what you entered here."),
    "Invalid field name '%s'.": N_("There is no field named ‘%s’."),  # EqualTo with a wrong name: a bug of ours
    "Invalid email address.": N_("Please enter a valid e-mail address, like name@example.com."),
    "Invalid URL.": N_("Please enter a full web address, starting with https://."),
    "Invalid IP address.": N_("Please enter a valid IP address."),
    "Invalid Mac address.": N_("Please enter a valid MAC address."),
    "Invalid UUID.": N_("Please enter a valid UUID."),
    "Field must be equal to %(other_name)s.": N_("This must match %(other_name)s."),
    "Field must be between %(min)d and %(max)d characters long.":
        N_("Please enter between %(min)d and %(max)d characters."),
    "Number must be at least %(min)s.": N_("Please enter a number of at least %(min)s."),
    "Number must be at most %(max)s.": N_("Please enter a number of at most %(max)s."),
    "Number must be between %(min)s and %(max)s.": N_("Please enter a number from %(min)s to %(max)s."),
    "Invalid value, must be one of: %(values)s.": N_("Please choose one of: %(values)s."),
    "Invalid value, can't be any of: %(values)s.": N_("This value is not allowed: %(values)s."),
    "This field cannot be edited.": N_("This field cannot be changed."),
    "This field is disabled and cannot have a value.": N_("This field cannot be changed."),
    "Invalid CSRF Token.": N_("This form has expired. Please reload the page and try again."),
    "CSRF token missing.": N_("This form has expired. Please reload the page and try again."),
    "CSRF failed.": N_("This form has expired. Please reload the page and try again."),
    "CSRF token expired.": N_("This form has expired. Please reload the page and try again."),
    "Invalid Choice: could not coerce.": N_("Please choose one of the options."),
    "Choices cannot be None.": N_("Please choose one of the options."),
    "Not a valid choice.": N_("Please choose one of the options."),
    "Invalid choice(s): one or more data inputs could not be coerced.": N_("Please choose from the options."),
    "Not a valid datetime value.": N_("Please enter a date and time."),
    "Not a valid date value.": N_("Please enter a date."),
    "Not a valid time value.": N_("Please enter a time."),
    "Not a valid week value.": N_("Please enter a week."),
    "Not a valid integer value.": N_("Please enter a whole number."),
    "Not a valid decimal value.": N_("Please enter a number."),
    "Not a valid float value.": N_("Please enter a number."),
}

#: WTForms' plural message (by its singular) -> ours; the literal calls are what the extractor picks up.
PLURAL: dict[str, _Plural] = {
    "Field must be at least %(min)d character long.": lambda t, n: t.ungettext(
        "Please enter at least %(min)d character.", "Please enter at least %(min)d characters.", n),
    "Field cannot be longer than %(max)d character.": lambda t, n: t.ungettext(
        "This can be at most %(max)d character long.", "This can be at most %(max)d characters long.", n),
    "Field must be exactly %(max)d character long.": lambda t, n: t.ungettext(
        "Please enter exactly %(max)d character.", "Please enter exactly %(max)d characters.", n),
    "'%(value)s' is not a valid choice for this field.": lambda t, n: t.ungettext(
        "‘%(value)s’ is not one of the options.", "‘%(value)s’ are not among the options.", n),
}


class FormMessages:
    """What Flask-WTF asks for a validator's message: ours in the visitor's language, else ``fallback``'s."""

    def __init__(self, fallback: Any = None) -> None:
        self.fallback = fallback

    def ugettext(self, string: str) -> str:
        ours = SINGULAR.get(string)
        if ours is not None:
            text: str = get_translations().ugettext(ours)
            return text
        return str(self.fallback.ugettext(string)) if self.fallback is not None else string

    def ungettext(self, singular: str, plural: str, n: int) -> str:
        ours = PLURAL.get(singular)
        if ours is not None:
            return ours(get_translations(), n)
        if self.fallback is not None:
            return str(self.fallback.ungettext(singular, plural, n))
        return singular if n == 1 else plural


def _use_our_messages() -> None:
    current = getattr(request, "wtforms_translations", None)
    if not isinstance(current, FormMessages):
        request.wtforms_translations = FormMessages(current)  # type: ignore[attr-defined]


def init_app(app: Flask) -> None:
    """Register after ``template_i18n.init_app`` so that its WTForms catalogue becomes our fallback."""
    app.before_request(_use_our_messages)
