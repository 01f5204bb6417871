from flask_wtf import FlaskForm
from wtforms import EmailField, IntegerField, PasswordField, RadioField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, NumberRange, Optional

from models.vocabulary import ErasureReason

from ..disclosures import BLANK_WITHHELD, DROP_WITHHELD
from ..inputs import row_id
from ..respond.forms import MultiCheckboxField


class LoginForm(FlaskForm):
    email = EmailField("Email", validators=[DataRequired()], render_kw={"autocomplete": "username"})
    password = PasswordField("Password", validators=[DataRequired()], render_kw={"autocomplete": "current-password"})


FORMATS = [SelectChoice("csv", "CSV (one row per respondent)"),
           SelectChoice("jsonl", "JSON Lines (one object per respondent)"),
           SelectChoice("sav", "SPSS (.sav: labelled, withheld as a declared missing value)"),
           SelectChoice("dta", "Stata (.dta: labelled, withheld as .a)"),
           SelectChoice("xlsx", "Excel (.xlsx: a data sheet and the codebook)"),
           SelectChoice("aggregate", "Aggregates (counts and summaries, small cells suppressed)")]
MODES = [SelectChoice(BLANK_WITHHELD, "Leave withheld answers empty"),
         SelectChoice(DROP_WITHHELD, "Leave out respondents with anything withheld")]


class ExportForm(FlaskForm):
    # Any slug is taken, so that one the person may not export is refused by the rule of rights (403),
    # not passed off as an incomplete form.
    survey = SelectField("Survey", validators=[DataRequired()], validate_choice=False)
    recipient = SelectField("Recipient", coerce=row_id, validators=[DataRequired()])
    purpose = StringField("Purpose", validators=[DataRequired()],
                          description="The survey's own purpose, or one registered for the recipient.")
    format = RadioField("Format", choices=FORMATS, default="csv")
    mode = RadioField("Withheld answers", choices=MODES, default=BLANK_WITHHELD)

    def fill(self, surveys, recipients) -> "ExportForm":
        self.survey.choices = [SelectChoice(s.slug, f"{s.title} ({s.slug})") for s in surveys]
        self.recipient.choices = [SelectChoice(r.id, r.name) for r in recipients]
        return self


class RecipientForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired()])
    purposes = StringField("Purposes", validators=[DataRequired()],
                           description="Purpose keys, separated by commas, e.g. care-quality, research")
    surveys = MultiCheckboxField("Surveys shared with this recipient", choices=[], validate_choice=False)

    def fill(self, surveys) -> "RecipientForm":
        self.surveys.choices = [SelectChoice(s.slug, s.title) for s in surveys]
        return self

    def purpose_list(self) -> list[str]:
        return [p.strip() for p in (self.purposes.data or "").split(",") if p.strip()]


class TokenForm(FlaskForm):
    expires_in_days = IntegerField("Expires after (days, empty for never)",
                                   validators=[Optional(), NumberRange(min=1, max=3650)])


class ConfirmForm(FlaskForm):
    """A button that changes something: CSRF only."""


class EraseForm(FlaskForm):
    public_id = StringField("Response id", validators=[DataRequired()],
                            description="The id staff see in internal exports (the respondent column).")
    reason = RadioField("Why", default=ErasureReason.MINOR, choices=[
        SelectChoice(ErasureReason.MINOR, "The respondent turned out to be a minor"),
        SelectChoice(ErasureReason.STAFF, "A deletion request the respondent made to us")])
