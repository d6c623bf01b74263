"""What an error page says for each HTTP status: our own heading and sentence, in the visitor's language.

Werkzeug's descriptions are English and written for developers ("The browser (or proxy) sent a request that
this server could not understand."), so no error page shows them: every status Werkzeug can raise has a text
here, and an unknown one gets the general "Something went wrong".
"""

from __future__ import annotations

from flask import Flask

from caseportal.i18n import gettext as _

#: Status codes with a text of their own (tests render each one).
KNOWN_CODES = (400, 401, 403, 404, 405, 406, 408, 409, 410, 411, 412, 413, 414, 415, 416, 417, 418, 421, 422, 423,
               424, 428, 429, 431, 451, 500, 501, 502, 503, 504, 505)


def http_heading(code: int) -> str:
    """The page's h1: what happened, in a few words."""
    if code == 404:
        return _("Page not found")
    if code in (401, 403):
        return _("No access")
    if code == 410:
        return _("This link no longer works")
    if code == 429:
        return _("Too many requests")
    if code in (502, 503, 504):
        return _("Temporarily unavailable")
    return _("Something went wrong")


def http_message(code: int) -> str:
    """One or two sentences on what the visitor can do now."""
    retry = _("Please go back and try again.")
    messages = {
        400: _("Something in the form or the link was not right. Please go back and try again."),
        401: _("Please log in to see this page."),
        403: _("You do not have access to this page."),
        404: _("This page does not exist. Check the address, or go back to where you came from."),
        405: retry,
        406: retry,
        408: _("That took too long. Please try again."),
        409: _("Something changed while you were working. Reload the page and try again."),
        410: _("This page is no longer available."),
        413: _("That upload is too large. Nothing was saved; please upload smaller files."),
        414: _("That link is too long. Please go back and try again."),
        415: _("That file type cannot be used here."),
        418: retry,
        422: _("Some of what you sent could not be used. Please go back, check it and try again."),
        423: _("This is locked for the moment. Please try again shortly."),
        429: _("Too many requests. Please wait a moment and try again."),
        451: _("This page is not available."),
        500: _("Something went wrong on our side. Please try again; if it keeps happening, tell the person who "
               "invited you."),
        501: _("This is not available."),
        502: _("Temporarily unavailable. Please try again shortly."),
        503: _("Temporarily unavailable. Please try again shortly."),
        504: _("Temporarily unavailable. Please try again shortly."),
    }
    return messages.get(code) or retry


def init_app(app: Flask) -> None:
    """``error_heading(code)`` for the error templates (also used by domain errors, which bring their message)."""
    app.jinja_env.globals["error_heading"] = http_heading
