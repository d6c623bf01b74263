"""Forms of the manager's room. Choices that depend on the database or the case library are set by the view."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    DateTimeLocalField,
    EmailField,
    Field,
    FileField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    URLField,
)
from wtforms.validators import DataRequired, Email, Length, NumberRange, Optional, Regexp, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from caseportal.services import feedback, meetings, timezones
from caseportal.web.common import one_line
from caseportal.web.labels import OFFER_LABELS

# The browser sends "2025-03-30T10:00"; the first format is also how values are rendered back.
LOCAL_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"]


class MultiCheckboxField(SelectMultipleField):
    """A multi-select shown as checkboxes: easier than ctrl-click lists, and each box has its own label."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def web_link(_form: FlaskForm, field: Field) -> None:
    value = (field.data or "").strip()
    if value and not meetings.valid_web_link(value):
        raise ValidationError(_l("Please give a web address starting with http:// or https://."))


class RoleForm(FlaskForm):
    """A role; ``employer_id`` choices (the employers the user may see) are set by the view."""

    employer_id = SelectField(_l("Employer"), coerce=int, validators=[DataRequired()])
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200), one_line])
    team = StringField(_l("Team"), validators=[Length(max=200), one_line])
    location = StringField(_l("Location"), validators=[Length(max=200), one_line])
    remote = BooleanField(_l("Remote work possible"))
    role_family = StringField(
        _l("Role family"),
        validators=[Optional(), Length(max=60),
                    Regexp(r"^[a-z0-9]+(-[a-z0-9]+)*$",
                           message=_l("Use lowercase letters, digits and hyphens, e.g. backend or data-science."))],
    )
    offer_growth = TextAreaField(OFFER_LABELS["offer_growth"], render_kw={"rows": 6})
    offer_tech = TextAreaField(OFFER_LABELS["offer_tech"], render_kw={"rows": 6})
    offer_benefits = TextAreaField(OFFER_LABELS["offer_benefits"], render_kw={"rows": 6})
    offer_worklife = TextAreaField(OFFER_LABELS["offer_worklife"], render_kw={"rows": 6})


class EmployerForm(FlaskForm):
    """An employer's name, about text, brand colour, logo and the default offer blocks its new roles start from."""

    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200), one_line])
    about = TextAreaField(_l("About the employer"), validators=[Length(max=5000)], render_kw={"rows": 6})
    brand_colour = StringField(_l("Brand colour"), validators=[Optional(), Length(max=7), one_line],
                               render_kw={"placeholder": "#1d4ed8", "spellcheck": "false"})
    logo = FileField(_l("Logo (PNG, JPEG, WebP or GIF)"),
                     render_kw={"accept": "image/png,image/jpeg,image/webp,image/gif"})
    remove_logo = BooleanField(_l("Remove the current logo"))
    offer_growth = TextAreaField(OFFER_LABELS["offer_growth"], render_kw={"rows": 4})
    offer_tech = TextAreaField(OFFER_LABELS["offer_tech"], render_kw={"rows": 4})
    offer_benefits = TextAreaField(OFFER_LABELS["offer_benefits"], render_kw={"rows": 4})
    offer_worklife = TextAreaField(OFFER_LABELS["offer_worklife"], render_kw={"rows": 4})


class MeetingForm(FlaskForm):
    candidate_name = StringField(_l("Candidate's name"), validators=[DataRequired(), Length(max=200), one_line])
    candidate_email = EmailField(_l("Candidate's email"),
                                 validators=[DataRequired(), one_line, Email(), Length(max=254)])
    job_role_id = SelectField(_l("Role"), coerce=int, validators=[DataRequired()])
    starts_at = DateTimeLocalField(_l("Date and time"), format=LOCAL_FORMATS, validators=[Optional()])
    timezone = SelectField(_l("Time zone"), default=timezones.DEFAULT_TIMEZONE)
    duration_minutes = IntegerField(
        _l("Duration (minutes)"), default=60,
        validators=[DataRequired(), NumberRange(min=meetings.MIN_DURATION, max=meetings.MAX_DURATION)],
    )
    place = StringField(_l("Place"), validators=[Length(max=300), one_line])
    video_link = URLField(_l("Video link"), validators=[Length(max=500), one_line, web_link])
    reviewers = MultiCheckboxField(_l("Reviewers"), coerce=int)
    cases = MultiCheckboxField(_l("Cases"), validators=[DataRequired(message=_l("Please attach at least one case."))])
    case_deadline = DateTimeLocalField(_l("Case deadline"), format=LOCAL_FORMATS, validators=[Optional()])
    blind_review = BooleanField(_l(
        "Blind review: reviewers see no name or email until they have written their own talking points, "
        "or after the meeting"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.timezone.choices = [(z, z) for z in timezones.timezone_names()]


class ActionForm(FlaskForm):
    """A button that changes something: carries only the CSRF token."""


class DeleteForm(FlaskForm):
    confirm = BooleanField(
        _l("Yes, delete this meeting, its invitation links and everything the candidate handed in"),
        validators=[DataRequired(message=_l("Please tick the box to confirm."))],
    )


class ManagerFeedbackForm(FlaskForm):
    text = TextAreaField(_l("Your feedback to the candidate (markdown)"),
                         validators=[Length(max=feedback.MAX_FEEDBACK_CHARS)], render_kw={"rows": 12})
    shared = BooleanField(_l("Show this feedback to the candidate on their page"))


class FilterForm(FlaskForm):
    """The analytics filters travel in the query string (a GET form: bookmarkable, no CSRF token needed)."""

    class Meta:
        csrf = False

    employer = SelectField(_l("Employer"), choices=[], default="", validate_choice=True)
    role = SelectField(_l("Role"), choices=[], default="", validate_choice=True)
    since = DateField(_l("Meetings created from"), validators=[Optional()])
    until = DateField(_l("up to and including"), validators=[Optional()])

    def validate_until(self, field: DateField) -> None:
        if field.data and self.since.data and field.data < self.since.data:
            raise ValidationError(_l("The end date must be on or after the start date."))
