"""Forms of the staff accounts: login, a new account, and an account's edit."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Email, Length

from caseportal.models import StaffRole
from caseportal.web.common import one_line
from caseportal.web.labels import ROLE_LABELS


class LoginForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[DataRequired(), one_line, Email()])
    password = PasswordField(_l("Password"), validators=[DataRequired()])


class StaffForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200), one_line])
    email = EmailField(_l("Email"), validators=[DataRequired(), one_line, Email(), Length(max=254)])
    role = SelectField(_l("Role"), choices=[(r.value, ROLE_LABELS[r]) for r in StaffRole])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(min=10, max=200)])


class StaffEditForm(FlaskForm):
    role = SelectField(_l("Role"), choices=[(r.value, ROLE_LABELS[r]) for r in StaffRole])
    active = BooleanField(_l("Active"))
    password = PasswordField(_l("New password (leave empty to keep)"), validators=[Length(max=200)])
