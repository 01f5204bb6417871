"""The consent step, and one builder that turns a survey's fields into a form.

The fields only render and carry text; the checks live in models.submission,
which the JSON API shares."""
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, Field, RadioField, SelectMultipleField, StringField, TextAreaField
from wtforms.widgets import CheckboxInput, DateInput, ListWidget, NumberInput

from models.submission import MAX_LENGTH
from models.vocabulary import FieldType


class ConsentForm(FlaskForm):
    participate = BooleanField("I want to take part in this survey")
    age_confirmed = BooleanField("I am at least {min_age} years old")
    opt_out_third_party = BooleanField("Do not disclose my personal information to third parties")
    opt_out_other_purposes = BooleanField(
        "Do not use my personal information for any purpose other than the one it was collected for")
    spi_disclosure = BooleanField(
        "I consent to the disclosure of my sensitive answers to third parties or for other purposes")


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def _bounds(field) -> dict:
    attrs = {}
    if field.min is not None:
        attrs["min"] = field.min
    if field.max is not None:
        attrs["max"] = field.max
    return attrs


def make_field(field) -> Field:
    ftype = FieldType(field.type)
    common = {"label": field.label, "render_kw": {"required": True} if field.required else {}}
    if ftype in (FieldType.CHOICE, FieldType.MULTI_CHOICE, FieldType.BOOLEAN):
        common["render_kw"] = {}  # a required radio group is checked on the server, not per input
    if ftype is FieldType.TEXT:
        return StringField(**common, render_kw={**common["render_kw"], "maxlength": MAX_LENGTH[ftype]})
    if ftype is FieldType.TEXTAREA:
        return TextAreaField(**common, render_kw={**common["render_kw"], "maxlength": MAX_LENGTH[ftype], "rows": 5})
    if ftype is FieldType.EMAIL:
        return EmailField(**common, render_kw={**common["render_kw"], "autocomplete": "email"})
    if ftype is FieldType.INTEGER:
        return StringField(**common, widget=NumberInput(step="1", **_bounds(field)),
                           render_kw={**common["render_kw"], "inputmode": "numeric"})
    if ftype is FieldType.NUMBER:
        return StringField(**common, widget=NumberInput(step="any", **_bounds(field)))
    if ftype is FieldType.DATE:
        return StringField(**common, widget=DateInput(), render_kw={**common["render_kw"], **_bounds(field)})
    if ftype is FieldType.CHOICE:
        return RadioField(**common, choices=[(c, c) for c in field.choices], validate_choice=False)
    if ftype is FieldType.MULTI_CHOICE:
        return MultiCheckboxField(**common, choices=[(c, c) for c in field.choices], validate_choice=False)
    return RadioField(**common, choices=[("yes", "Yes"), ("no", "No")], validate_choice=False)


PREFIX = "q_"  # survey fields may be named like form attributes (data, errors, meta)


def answers_form(fields):
    """A form class with one input per survey field, named q_<field name>."""
    attrs = {PREFIX + field.name: make_field(field) for field in fields}
    return type("AnswersForm", (FlaskForm,), attrs)


def typed_answers(form, fields) -> dict:
    """The text the respondent sent, keyed by survey field name, for models.submission to parse."""
    return {field.name: form[PREFIX + field.name].data for field in fields}


def show_errors(form, errors: dict[str, list[str]]) -> None:
    for name, messages in errors.items():
        target = form._fields.get(PREFIX + name) or form._fields.get(name)
        if target is not None:
            target.errors = list(messages)
