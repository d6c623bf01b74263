from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Email, Length

from caseportal.models import StaffRole

#: How a staff role reads in forms and lists (the stored value stays the enum's).
ROLE_LABELS = {StaffRole.ADMIN: _l("Administrator"), StaffRole.MANAGER: _l("Manager"),
               StaffRole.REVIEWER: _l("Reviewer")}


class LoginForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[DataRequired(), Email()])
    password = PasswordField(_l("Password"), validators=[DataRequired()])


class StaffForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    email = EmailField(_l("Email"), validators=[DataRequired(), Email(), Length(max=254)])
    role = SelectField(_l("Role"), choices=[(r.value, ROLE_LABELS[r]) for r in StaffRole])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(min=10, max=200)])


class StaffEditForm(FlaskForm):
    role = SelectField(_l("Role"), choices=[(r.value, ROLE_LABELS[r]) for r in StaffRole])
    active = BooleanField(_l("Active"))
    password = PasswordField(_l("New password (leave empty to keep)"), validators=[Length(max=200)])
