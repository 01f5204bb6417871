"""The consent step, and one builder that turns a survey's fields into a form.

The fields only render and carry text; the checks live in models.submission,
which the JSON API shares."""
from datetime import timedelta, timezone

from flask_babel import gettext, lazy_gettext
from flask_wtf import FlaskForm

from wtforms import (BooleanField, EmailField, Field, HiddenField, RadioField, SelectField, SelectMultipleField,
                     StringField, TextAreaField)
from wtforms.fields.choices import SelectChoice
from wtforms.widgets import CheckboxInput, DateInput, DateTimeLocalInput, ListWidget, NumberInput, TimeInput

from models.choices import options
from models.submission import MAX_LENGTH, WHOLE
from models.vocabulary import Appearance, FieldType

from ..languages import translated


class ConsentForm(FlaskForm):
    participate = BooleanField(lazy_gettext("I want to take part in this survey"))
    age_confirmed = BooleanField(lazy_gettext("I am at least %(min_age)s years old"))  # the page fills in the age
    opt_out_third_party = BooleanField(lazy_gettext("Do not disclose my personal information to third parties"))
    opt_out_other_purposes = BooleanField(lazy_gettext(
        "Do not use my personal information for any purpose other than the one it was collected for"))
    spi_disclosure = BooleanField(lazy_gettext(
        "I consent to the disclosure of my sensitive answers to third parties or for other purposes"))


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def _bounds(field) -> dict:
    return {key: getattr(field, key) for key in ("min", "max") if getattr(field, key) is not None}


def make_field(field) -> Field:
    """The WTForms field whose HTML input suits this survey field's type."""
    ftype = FieldType(field.type)
    grouped = ftype in (FieldType.CHOICE, FieldType.MULTI_CHOICE, FieldType.BOOLEAN)
    # A required radio or checkbox group is checked on the server; `required` on one input would mislead.
    attrs = {"required": True} if field.required and not grouped else {}
    if ftype is FieldType.TEXT:
        return StringField(field.label, render_kw={**attrs, "maxlength": MAX_LENGTH[ftype]})
    if ftype is FieldType.TEXTAREA:
        return TextAreaField(field.label, render_kw={**attrs, "maxlength": MAX_LENGTH[ftype], "rows": 5})
    if ftype is FieldType.EMAIL:
        return EmailField(field.label, render_kw={**attrs, "maxlength": MAX_LENGTH[ftype], "autocomplete": "email"})
    if ftype is FieldType.INTEGER:
        return StringField(field.label, widget=NumberInput(step="1", **_bounds(field)),
                           render_kw={**attrs, "inputmode": "numeric"})
    if ftype is FieldType.NUMBER:
        return StringField(field.label, widget=NumberInput(step="any", **_bounds(field)), render_kw=attrs)
    if ftype is FieldType.DATE:
        return StringField(field.label, widget=DateInput(), render_kw={**attrs, **_bounds(field)})
    if ftype is FieldType.TIME:
        return StringField(field.label, widget=TimeInput(), render_kw={**attrs, **_bounds(field)})
    if ftype is FieldType.DATETIME:
        return StringField(field.label, widget=DateTimeLocalInput(), render_kw={**attrs, "data-utc": "1"})
    coded = [SelectChoice(str(choice.value), choice.label) for choice in options(field)]
    if ftype is FieldType.CHOICE and field.appearance == Appearance.DROPDOWN:
        return SelectField(field.label, choices=[SelectChoice("", gettext("Choose…")), *coded], validate_choice=False,
                           render_kw=attrs)
    if ftype is FieldType.CHOICE:
        return RadioField(field.label, choices=coded, validate_choice=False)
    if ftype is FieldType.MULTI_CHOICE:
        return MultiCheckboxField(field.label, choices=coded, validate_choice=False)
    return RadioField(field.label, choices=[SelectChoice("yes", gettext("Yes")), SelectChoice("no", gettext("No"))],
                      validate_choice=False)


PREFIX = "q_"  # survey fields may be named like form attributes (data, errors, meta)


def asked(fields):
    """The fields a respondent answers: not notes, not calculated ones."""
    return [field for field in fields if FieldType(field.type).is_asked]


def answers_form(fields):
    """A form class with one input per question among the fields, named q_<field name>, and the
    browser's UTC offset (set by logic.js; without it, times are taken as UTC, as the page says)."""
    attrs = {PREFIX + field.name: make_field(field) for field in asked(fields)}
    attrs["tz_offset"] = HiddenField(default="0")
    return type("AnswersForm", (FlaskForm,), attrs)


def typed_answers(form, fields) -> dict:
    """The text the respondent sent, keyed by survey field name, for models.submission to parse."""
    given = {field.name: form[PREFIX + field.name].data for field in asked(fields)}
    offset = _offset(form.tz_offset.data)
    for field in asked(fields):
        if field.type == FieldType.DATETIME and isinstance(given[field.name], str) and given[field.name].strip():
            given[field.name] = given[field.name].strip() + offset
    return given


def _offset(minutes_text) -> str:
    """The browser's offset from UTC in minutes (JavaScript's getTimezoneOffset, so east is negative)."""
    text = (minutes_text or "0").strip()
    minutes = -int(text) if WHOLE.match(text) and len(text) < 6 and abs(int(text)) <= 14 * 60 else 0
    zone = timezone(timedelta(minutes=minutes))
    return "+00:00" if not minutes else str(zone).removeprefix("UTC")


def show_errors(form, errors: dict[str, list[str]]) -> None:
    for name, messages in errors.items():
        target = form._fields.get(PREFIX + name) or form._fields.get(name)
        if target is not None:
            target.errors = [translated(message) for message in messages]


class ReceiptForm(FlaskForm):
    code = StringField(lazy_gettext("Your receipt code"), render_kw={"autocomplete": "off", "spellcheck": "false",
                                                       "autocapitalize": "characters"})


class ConsentChangeForm(FlaskForm):
    opt_out_third_party = ConsentForm.opt_out_third_party
    opt_out_other_purposes = ConsentForm.opt_out_other_purposes
    spi_disclosure = ConsentForm.spi_disclosure
    lift_gpc = BooleanField(lazy_gettext("Yes: I want to allow disclosure of my personal information to third "
                                         "parties, although my Global Privacy Control signal asked not to"))


class WithdrawForm(FlaskForm):
    confirm = BooleanField(lazy_gettext("I understand my answers will be erased and cannot be recovered"))


def as_form_text(field, value):
    """A stored answer as the form shows it again."""
    ftype = FieldType(field.type)
    if value is None:
        return None
    if ftype is FieldType.BOOLEAN:
        return "yes" if value else "no"
    if ftype is FieldType.MULTI_CHOICE:
        return [str(item) for item in value]
    if ftype is FieldType.DATETIME:
        return value[:16]  # the instant in UTC, as a datetime-local input shows it (logic.js moves it to local time)
    return str(value)
