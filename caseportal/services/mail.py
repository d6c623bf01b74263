"""Outgoing mail over plain smtplib; optional, since without a mail server links are shown instead."""

from __future__ import annotations

import logging
import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from caseportal.config import Settings

log = logging.getLogger(__name__)

SMTP_TIMEOUT_S = 15


def mail_configured(settings: Settings) -> bool:
    """Whether a mail server is set; otherwise callers show links to staff instead of mailing them."""
    return bool(settings.mail_server.strip())


def build_message(settings: Settings, to: str, subject: str, body_text: str,
                  ics: bytes | None = None) -> EmailMessage:
    """A plain-text message, with the meeting as an .ics attachment when given."""
    msg = EmailMessage()
    msg["From"] = settings.mail_sender
    msg["To"] = to
    msg["Subject"] = " ".join(subject.split())  # a role title saved with a line break must not break the header
    msg["Date"] = formatdate(localtime=False)
    sender_domain = settings.mail_sender.rpartition("@")[2] or None
    msg["Message-ID"] = make_msgid(domain=sender_domain)
    msg.set_content(body_text)
    if ics is not None:
        msg.add_attachment(ics, maintype="text", subtype="calendar", filename="meeting.ics",
                           params={"method": "PUBLISH", "charset": "utf-8"})
    return msg


def send_mail(settings: Settings, to: str, subject: str, body_text: str, ics: bytes | None = None) -> bool:
    """Send one message; True when the server accepted it.

    Failures are logged and reported as False rather than raised: a mail problem must never lose the
    invitation itself, which the manager can still copy by hand.
    """
    if not mail_configured(settings):
        return False
    try:
        msg = build_message(settings, to, subject, body_text, ics)
    except ValueError:  # an address with a line break or another header-unsafe character
        log.warning("not mailing a header-unsafe address or subject")
        return False
    try:
        if settings.mail_port == 465:  # implicit TLS ("SMTPS")
            smtp: smtplib.SMTP = smtplib.SMTP_SSL(settings.mail_server, settings.mail_port,
                                                  timeout=SMTP_TIMEOUT_S,
                                                  context=ssl.create_default_context())
        else:
            smtp = smtplib.SMTP(settings.mail_server, settings.mail_port, timeout=SMTP_TIMEOUT_S)
        with smtp:
            if settings.mail_tls and settings.mail_port != 465:
                smtp.starttls(context=ssl.create_default_context())
            if settings.mail_username:
                smtp.login(settings.mail_username, settings.mail_password)
            refused = smtp.send_message(msg)
        if refused:
            log.warning("mail server refused recipients %s", sorted(refused))
            return False
        return True
    except (OSError, smtplib.SMTPException):
        log.exception("sending mail to %s via %s:%s failed", to, settings.mail_server, settings.mail_port)
        return False
