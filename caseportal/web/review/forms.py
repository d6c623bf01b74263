"""Forms of the reviewer's room; the services re-check everything (file exists, line in range)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import AnyOf, DataRequired, InputRequired, Length, NumberRange, Optional

from caseportal.services.review import MAX_COMMENT_CHARS, MAX_POINT_CHARS


class ActionForm(FlaskForm):
    """A button-only form (delete, mark reviewed): just the CSRF token."""


class TalkingPointForm(FlaskForm):
    text = TextAreaField(_l("Talking point"), validators=[DataRequired(), Length(max=MAX_POINT_CHARS)])
    # Choices are the submission's files, set by the view; the service validates the path itself.
    file_path = SelectField(_l("File (optional)"), choices=[SelectChoice("", "")], validate_choice=False)
    line = IntegerField(_l("Line (optional)"), validators=[Optional(), NumberRange(min=1)])


class CommentForm(FlaskForm):
    line = IntegerField(_l("Line"), validators=[InputRequired(), NumberRange(min=1)])
    body = TextAreaField(_l("Comment"), validators=[DataRequired(), Length(max=MAX_COMMENT_CHARS)])


class MoveForm(FlaskForm):
    """Rendered as two buttons named "direction" (up / down), so no JavaScript is needed to reorder."""

    direction = StringField(validators=[AnyOf(("up", "down"))])


class SuggestionForm(FlaskForm):
    """Accept a suggested talking point, optionally with the reviewer's own wording (empty keeps the suggestion)."""

    text = TextAreaField(_l("Talking point"), validators=[Optional(), Length(max=MAX_POINT_CHARS)])
