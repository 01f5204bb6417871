"""REDCap's data dictionary vocabulary, shared by the reader and the writer: its columns under both names, its
text validations and what each is here, and the choices of its yes/no and true/false fields."""
from __future__ import annotations

#: Each column: the API's name (our key), then the heading REDCap's own CSV gives it.
COLUMNS = (
    ("field_name", "Variable / Field Name"), ("form_name", "Form Name"), ("section_header", "Section Header"),
    ("field_type", "Field Type"), ("field_label", "Field Label"),
    ("select_choices_or_calculations", "Choices, Calculations, OR Slider Labels"), ("field_note", "Field Note"),
    ("text_validation_type_or_show_slider_number", "Text Validation Type OR Show Slider Number"),
    ("text_validation_min", "Text Validation Min"), ("text_validation_max", "Text Validation Max"),
    ("identifier", "Identifier?"), ("branching_logic", "Branching Logic (Show field only if...)"),
    ("required_field", "Required Field?"), ("custom_alignment", "Custom Alignment"),
    ("question_number", "Question Number (surveys only)"), ("matrix_group_name", "Matrix Group Name"),
    ("matrix_ranking", "Matrix Ranking?"), ("field_annotation", "Field Annotation"),
)
HEADINGS = dict(COLUMNS)
#: Without these a row is not a field.
NEEDED = ("field_name", "form_name", "field_type", "field_label")

#: Dates: each validation with the order its day, month and year are written in (bounds may use it).
DATES = {"date_ymd": "ymd", "date_mdy": "mdy", "date_dmy": "dmy", "date": "ymd"}
DATETIMES = {"datetime_ymd": "ymd", "datetime_mdy": "mdy", "datetime_dmy": "dmy", "datetime": "ymd",
             "datetime_seconds_ymd": "ymd", "datetime_seconds_mdy": "mdy", "datetime_seconds_dmy": "dmy",
             "datetime_seconds": "ymd"}
INTEGERS = {"integer", "int"}
#: Numbers whose fixed decimal places or decimal comma our number fields do not keep (they take any number).
LOOSE_NUMBERS = {f"number_{n}dp" for n in range(1, 5)} | {"number_comma_decimal"} | {
    f"number_{n}dp_comma_decimal" for n in range(1, 5)}
NUMBERS = {"number", "float"} | LOOSE_NUMBERS
#: Times our HH:MM cannot hold.
TIMES_NOT_KEPT = {"time_hh_mm_ss": "a time with seconds (HH:MM:SS), which our HH:MM times cannot hold",
                  "time_mm_ss": "minutes and seconds (MM:SS), a duration our times of day cannot hold"}

#: The other validations as full-match patterns RE2 runs (no lookarounds, no backreferences), each REDCap's
#: own regular expression (its redcap_validation_types table) written out without its /i flag.
PATTERNS = {
    "alpha_only": r"^[A-Za-z]+$",
    "phone": r"^(?:\(?([2-9]1[02-9]|[2-9][02-8]1|[2-9][02-8][02-9])\)?)\s*(?:[.-]\s*)?"
             r"([2-9]1[02-9]|[2-9][02-9]1|[2-9][02-9]{2})\s*(?:[.-]\s*)?([0-9]{4})"
             r"(?:\s*(?:#|x\.?|ext\.?|extension)\s*([0-9]+))?$",
    "phone_australia": r"^(\(0[2-8]\)|0[2-8])\s*[0-9]{4}\s*[0-9]{4}$",
    "phone_uk": r"^((((\+44|0044)\s?[0-9]{4}|\(?0[0-9]{4}\)?)\s?[0-9]{3}\s?[0-9]{3})"
                r"|(((\+44|0044)\s?[0-9]{3}|\(?0[0-9]{3}\)?)\s?[0-9]{3}\s?[0-9]{4})"
                r"|(((\+44|0044)\s?[0-9]{2}|\(?0[0-9]{2}\)?)\s?[0-9]{4}\s?[0-9]{4}))(\s?#([0-9]{4}|[0-9]{3}))?$",
    "zipcode": r"^[0-9]{5}(-[0-9]{4})?$",
    "postalcode_australia": r"^[0-9]{4}$",
    "postalcode_canada": r"^[ABCEGHJKLMNPRSTVXYabceghjklmnprstvxy][0-9][A-Za-z]\s*[0-9][A-Za-z][0-9]$",
    "postalcode_french": r"^((0?[1-9])|([1-8][0-9])|(9[0-8]))[0-9]{3}$",
    "postalcode_germany": r"^(0[1-9]|[1-9][0-9])[0-9]{3}$",
    "postalcode_uk": r"^(([A-Z]{1,2}[0-9]{1,2})|([A-Z]{1,2}[0-9][A-Z])) [0-9][ABD-HJLNP-Z]{2}$",
    "ssn": r"^[0-9]{3}-[0-9]{2}-[0-9]{4}$",
    "mrn_10d": r"^[0-9]{10}$",
    "mrn_generic": r"^[A-Za-z0-9_-]+$",
    "vmrn": r"^[0-9]{4,9}$",
}
#: The writer's way back: a pattern that is one of REDCap's validations is written as that validation.
VALIDATION_OF_PATTERN = {pattern: name for name, pattern in PATTERNS.items()}

YESNO = ((1, "Yes"), (0, "No"))
TRUEFALSE = ((1, "True"), (0, "False"))
#: REDCap's slider runs from 0 to 100 unless its bounds say otherwise.
SLIDER_RANGE = (0, 100)
