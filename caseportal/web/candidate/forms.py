"""Forms of the candidate's room. The file editor's textareas are read from the request directly (their
number and names follow the case), so its form class only carries the CSRF token."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, MultipleFileField, TextAreaField
from wtforms.validators import DataRequired, Length

from caseportal.services.submissions import MAX_NOTE_CHARS


class ActionForm(FlaskForm):
    """A button that changes something (start, save, run): CSRF only."""


class UploadForm(FlaskForm):
    files = MultipleFileField(_l("Files or a .zip archive"))


class DeleteFileForm(FlaskForm):
    path = HiddenField(validators=[DataRequired()])


class SubmitForm(FlaskForm):
    notes_more_time = TextAreaField(_l("What would you do with more time?"),
                                    validators=[Length(max=MAX_NOTE_CHARS)])
    questions = TextAreaField(_l("Questions for the team"), validators=[Length(max=MAX_NOTE_CHARS)])
    confirm = BooleanField(
        _l("I'm ready to hand in. I understand my work can't be changed afterwards."),
        validators=[DataRequired(_l("Please tick the box to confirm that you are ready to hand in."))],
    )
