import json

from flask_wtf import FlaskForm
from wtforms import (DateField, EmailField, HiddenField, IntegerField, PasswordField, RadioField, SelectField,
                     StringField, SubmitField)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional, Regexp, ValidationError

from models.ledger_pages import Filters
from models.recipient import Recipient
from models.survey import Survey
from models.vocabulary import ErasureReason

from .. import errors
from .. import recipients as third_parties
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
    """Survey, recipient and purpose: the purposes offered are those the chosen recipient may receive the chosen
    survey for, and a purpose sent that is not one of them is an error at the field, never a refusal page."""
    # Any slug is taken, so that one the person may not export is refused by the rule of rights (403),
    # not passed off as an incomplete form.
    survey = SelectField("Survey", validators=[DataRequired()], validate_choice=False)
    recipient = SelectField("Recipient", coerce=row_id, validators=[DataRequired()])
    #: Without JavaScript, the purposes follow a change of survey or recipient when this is pressed.
    show_purposes = SubmitField("Show the purposes for this survey and recipient")
    purpose = SelectField("Purpose", validate_choice=False,
                          description="The purpose the survey was collected for, or another one an administrator "
                                      "registered for the recipient.")
    format = RadioField("Format", choices=FORMATS, default="csv")
    mode = RadioField("Withheld answers", choices=MODES, default=BLANK_WITHHELD)

    def fill(self, surveys: list[Survey], recipients: list[Recipient]) -> "ExportForm":
        self._surveys, self._recipients = {s.slug: s for s in surveys}, {r.id: r for r in recipients}
        self.survey.choices = [SelectChoice(s.slug, f"{s.title} ({s.slug})") for s in surveys]
        self.recipient.choices = [SelectChoice(r.id, r.name) for r in recipients]
        if not self.is_submitted():
            self.survey.data = self.survey.data or next(iter(self._surveys), None)
            self.recipient.data = self.recipient.data or next(iter(self._recipients), None)
        self.purpose.choices = self.purposes_for(self.survey.data, self.recipient.data)
        return self

    @property
    def choosing(self) -> bool:
        """Only the purposes asked for: nothing is checked or shown as an error yet."""
        return bool(self.show_purposes.data)

    def purposes_for(self, slug: str | None, recipient_id: int | None) -> list[SelectChoice]:
        survey, recipient = self._surveys.get(slug or ""), self._recipients.get(recipient_id or 0)
        if survey is None or recipient is None:
            return []
        allowed = third_parties.allowed_purposes(recipient, survey)
        if not allowed:
            return [SelectChoice("", f"none: {survey.slug} is not shared with {recipient.name}")]
        return [SelectChoice(p, f"{p} (the survey's own purpose)" if p == survey.purpose else f"{p} (another purpose)")
                for p in allowed]

    def purposes_json(self) -> str:
        """Every survey's and recipient's purposes, for the page's script to follow a change without a round trip."""
        return json.dumps({slug: {str(rid): [[c.value, c.label] for c in self.purposes_for(slug, rid)]
                                  for rid in self._recipients} for slug in self._surveys})

    def _chosen(self) -> tuple[Survey | None, Recipient | None]:
        return self._surveys.get(self.survey.data or ""), self._recipients.get(self.recipient.data or 0)

    def validate_recipient(self, field: SelectField) -> None:
        survey, recipient = self._chosen()
        if survey is not None and recipient is not None:
            try:
                third_parties.require_shared(recipient, survey)
            except errors.Forbidden as exc:
                raise ValidationError(exc.message) from None

    def validate_purpose(self, field: SelectField) -> None:
        survey, recipient = self._chosen()
        if survey is None or recipient is None or self.recipient.errors:
            return  # their own fields say what is wrong
        if not field.data:
            raise ValidationError("Choose a purpose.")
        try:
            third_parties.require_purpose(recipient, survey, field.data)
        except errors.Forbidden as exc:
            raise ValidationError(exc.message) from None


class RecipientForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired()])
    #: Whether an empty list will do is the use case's to say: staff need no purpose registered, a third party one.
    purposes = StringField("Purposes", description="Purpose keys, separated by commas, e.g. care-quality, research")
    surveys = MultiCheckboxField("Surveys shared with this recipient", choices=[], validate_choice=False)

    def fill(self, surveys) -> "RecipientForm":
        self.surveys.choices = [SelectChoice(s.slug, s.title) for s in surveys]
        return self

    def purpose_list(self) -> list[str]:
        return [p.strip() for p in (self.purposes.data or "").split(",") if p.strip()]

    def refused(self, exc: errors.DomainError) -> None:
        """A refusal's messages at the fields they name; the rest at the name."""
        where = {"name": self.name, "purpose": self.purposes, "purposes": self.purposes, "survey": self.surveys}
        for key, messages in exc.errors.items():
            field = where.get(key, self.name)
            field.errors = [*field.errors, *messages]
        if not exc.errors:
            self.name.errors = [exc.message]


class TokenForm(FlaskForm):
    expires_in_days = IntegerField("Expires after (days, empty for never)",
                                   validators=[Optional(), NumberRange(min=1, max=3650)])


class Confirmable:
    """The second step of something that cannot be undone: the first post shows what will happen, and only a post
    carrying confirm=yes (from researcher/confirm.html) does it."""
    confirm = HiddenField()

    @property
    def confirmed(self) -> bool:
        return self.confirm.data == "yes"


class ConfirmForm(Confirmable, FlaskForm):
    """A button that changes something: CSRF, and the confirmation where one is asked."""


class EraseForm(Confirmable, FlaskForm):
    public_id = StringField("Response id", validators=[DataRequired()],
                            description="The id staff see in internal exports (the respondent column).")
    reason = RadioField("Why", default=ErasureReason.MINOR, choices=[
        SelectChoice(ErasureReason.MINOR, "The respondent turned out to be a minor"),
        SelectChoice(ErasureReason.STAFF, "A deletion request the respondent made to us")])

    @property
    def reason_label(self) -> str:
        return next((c.label for c in self.reason.choices if c.value == self.reason.data), str(self.reason.data))


#: What the ledger records, as its action column names it; an action not listed here can still be asked for.
LEDGER_ACTIONS = {"export": "Export", "aggregate": "Aggregates", "api_page": "API page", "erasure": "Erasure",
                  "survey_saved": "Survey saved", "review": "Classification review", "survey_status": "Survey status",
                  "account": "Staff account", "grant": "Staff rights"}


NOT_A_DAY = "Not a date: write it as YYYY-MM-DD, e.g. 2026-03-31."


class LedgerFilterForm(FlaskForm):
    """The ledger page's filters, sent as a GET query: nothing changes, so no CSRF token."""
    class Meta:
        csrf = False

    # Lists of what exists now, but any well-formed value may be asked for: the ledger outlives what it names.
    survey = SelectField("Survey", default="", validate_choice=False,
                         validators=[Optional(), Regexp(r"^[a-z0-9-]{1,64}$", message="Not a survey slug.")])
    recipient = SelectField("Recipient", default="", validate_choice=False,
                            validators=[Optional(), Regexp(third_parties.RECIPIENT_NAME, message="Not a name.")])
    purpose = StringField("Purpose", validators=[Optional(), Length(max=64)])
    action = SelectField("Action", default="", validate_choice=False,
                         validators=[Optional(), Regexp(r"^[a-z_]{1,32}$", message="Not an action.")])
    since = DateField("From (UTC day)", validators=[Optional()], invalid_value_message=NOT_A_DAY)
    until = DateField("To (UTC day)", validators=[Optional()], invalid_value_message=NOT_A_DAY)

    def fill(self, surveys: list[Survey], recipients: list[Recipient]) -> "LedgerFilterForm":
        for field, anything, known in ((self.survey, "Any survey", {s.slug: s.slug for s in surveys}),
                                       (self.recipient, "Any recipient", {r.name: r.name for r in recipients}),
                                       (self.action, "Any action", LEDGER_ACTIONS)):
            asked = {field.data: field.data} if field.data and field.data not in known else {}
            field.choices = [SelectChoice("", anything)] + [SelectChoice(k, v) for k, v in (known | asked).items()]
        return self

    def validate_until(self, field: DateField) -> None:
        if self.since.data and field.data and field.data < self.since.data:
            raise ValidationError("This day is before the first one.")

    def filters(self) -> Filters:
        return Filters(survey=self.survey.data or "", recipient=self.recipient.data or "",
                       purpose=(self.purpose.data or "").strip(), action=self.action.data or "",
                       since=self.since.data, until=self.until.data)

    def query(self) -> dict[str, str]:
        """The filters as they were sent, for links that keep them (older entries, newest)."""
        return {name: field.raw_data[0] for name, field in self._fields.items() if field.raw_data and field.raw_data[0]}
