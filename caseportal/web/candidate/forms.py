"""Forms of the candidate's room. The file editor's textareas are read from the request directly (their
number and names follow the case), so its form class only carries the CSRF token."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, IntegerField, MultipleFileField, RadioField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from caseportal.services.feedback import INTEREST
from caseportal.services.submissions import MAX_NOTE_CHARS

#: The 1-5 answers of the feedback form's rating questions.
SCALE = [(str(i), str(i)) for i in range(1, 6)]
#: How the feedback form words each answer of services.feedback.INTEREST (the one list of allowed answers).
INTEREST_LABELS = {"more": _l("More interested"), "same": _l("About the same"), "less": _l("Less interested")}


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


class FeedbackForm(FlaskForm):
    """The candidate's optional rating of the case and the process; every answer may be left out."""

    felt = RadioField(_l("How did the meeting and the case feel to you? (1 = not good at all, 5 = very good)"),
                      choices=SCALE, validators=[Optional()])
    realistic = RadioField(_l("Did the case give you a realistic picture of the role? (1 = not at all, 5 = very)"),
                           choices=SCALE, validators=[Optional()])
    fair = RadioField(_l("Did the case feel fair? (1 = not at all, 5 = very)"), choices=SCALE,
                      validators=[Optional()])
    minutes_spent = IntegerField(_l("How many minutes did you really spend on it?"),
                                 validators=[Optional(), NumberRange(min=1, max=1440)])
    interest_change = RadioField(_l("Did the case change your interest in the role?"), validators=[Optional()],
                                 choices=[(answer, INTEREST_LABELS[answer]) for answer in INTEREST])
    comment = TextAreaField(_l("Anything else you want to tell us? (optional)"))
