"""Forms of the staff accounts: login, a new account, and an account's edit."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, RadioField, SelectField, SelectMultipleField, StringField
from wtforms.validators import DataRequired, Email, Length
from wtforms.widgets import CheckboxInput, ListWidget

from caseportal.models import StaffRole
from caseportal.web.common import one_line
from caseportal.web.labels import ROLE_LABELS


class LoginForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[DataRequired(), one_line, Email()])
    password = PasswordField(_l("Password"), validators=[DataRequired()])


class EmployerBoxes(SelectMultipleField):
    """The employers as checkboxes, each with its own label."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class AccessFields(FlaskForm):
    """Which employers an account sees: every one (firm-wide) or only the ticked ones. Choices are set by the view."""

    access = RadioField(_l("Which employers does this account see?"), default="firm", choices=[
        ("firm", _l("Every employer (firm-wide, e.g. a consultant)")),
        ("tied", _l("Only the employers ticked below (e.g. a client's hiring manager)"))])
    employers = EmployerBoxes(_l("Employers"), coerce=int)


class StaffForm(AccessFields):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200), one_line])
    email = EmailField(_l("Email"), validators=[DataRequired(), one_line, Email(), Length(max=254)])
    role = SelectField(_l("Role"), choices=[(r.value, ROLE_LABELS[r]) for r in StaffRole])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(min=10, max=200)])


class StaffEditForm(AccessFields):
    role = SelectField(_l("Role"), choices=[(r.value, ROLE_LABELS[r]) for r in StaffRole])
    active = BooleanField(_l("Active"))
    password = PasswordField(_l("New password (leave empty to keep)"), validators=[Length(max=200)])
