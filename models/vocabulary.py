"""The privacy language every other module speaks. StrEnums: each member is its value wherever text is
expected (a template, a JSON key, a CHECK constraint), and the columns that hold them read back as members."""
import enum


class Classification(enum.StrEnum):
    NON_PII = "non_pii"
    PII = "pii"
    SPI = "spi"

    @property
    def strictness(self) -> int:
        """Order of protection: a value computed from others is as strict as the strictest of them."""
        return (Classification.NON_PII, Classification.PII, Classification.SPI).index(self)


class FieldType(enum.StrEnum):
    TEXT = "text"
    TEXTAREA = "textarea"
    EMAIL = "email"
    INTEGER = "integer"
    NUMBER = "number"
    DATE = "date"
    CHOICE = "choice"
    MULTI_CHOICE = "multi_choice"
    BOOLEAN = "boolean"
    TIME = "time"              # HH:MM
    DATETIME = "datetime"      # ISO 8601, stored in UTC
    NOTE = "note"              # text shown to the respondent; stores nothing
    CALCULATED = "calculated"  # computed by the service from its formula, never sent

    @property
    def has_choices(self) -> bool:
        return self in (FieldType.CHOICE, FieldType.MULTI_CHOICE)

    @property
    def has_range(self) -> bool:
        return self in (FieldType.INTEGER, FieldType.NUMBER, FieldType.DATE, FieldType.TIME, FieldType.DATETIME)

    @property
    def is_asked(self) -> bool:
        """The respondent gives its answer (a note shows text; a calculated field is computed)."""
        return self not in (FieldType.NOTE, FieldType.CALCULATED)

    @property
    def stores_answer(self) -> bool:
        return self is not FieldType.NOTE


class Appearance(enum.StrEnum):
    DROPDOWN = "dropdown"  # a choice field as a <select> instead of radio buttons


class Role(enum.StrEnum):
    """A field's part in the age gate."""
    BIRTH_DATE = "birth_date"
    AGE = "age"


class SurveyStatus(enum.StrEnum):
    #: Saved but its classification not yet confirmed by a reviewer: no respondent, no disclosure.
    DRAFT = "draft"
    OPEN = "open"
    CLOSED = "closed"


class RecipientKind(enum.StrEnum):
    INTERNAL = "internal"
    THIRD_PARTY = "third_party"


class PurposeRelation(enum.StrEnum):
    ORIGINAL = "original"
    OTHER = "other"


#: The consent choices a respondent can change at any time, and their defaults.
CONSENT_CHOICES = {
    "opt_out_third_party": False,
    "opt_out_other_purposes": False,
    "spi_disclosure": False,
}

#: The value of each choice that discloses less than the other: a change to it narrows consent.
NARROWING = {"opt_out_third_party": True, "opt_out_other_purposes": True, "spi_disclosure": False}

#: The service's own language: of its pages, and of a survey that names no languages.
DEFAULT_LANGUAGE = "en"
#: Languages whose script runs right to left: pages in them are set dir="rtl".
RIGHT_TO_LEFT = frozenset({"ar", "arc", "ckb", "dv", "fa", "ha", "he", "khw", "ks", "ku", "ps", "sd", "ur", "yi"})

#: The terms admit no minors: a survey may ask for an older minimum age, never a younger one.
MIN_AGE = 18
#: How long answers are kept unless a survey says otherwise: ten years.
RETENTION_DAYS = 3650


class ErasureReason(enum.StrEnum):
    WITHDRAWN = "withdrawn"   # the respondent withdrew
    MINOR = "minor"           # found to be from a minor
    RETENTION = "retention"   # past the survey's retention period
    STAFF = "staff"           # a deletion request handled by staff


#: The reasons staff give when they erase a response by hand.
STAFF_ERASURE_REASONS = (ErasureReason.MINOR, ErasureReason.STAFF)


class StaffRole(enum.StrEnum):
    ADMIN = "admin"
    RESEARCHER = "researcher"


class SurveyRole(enum.StrEnum):
    """What a staff member may do with one survey they are granted; each role includes the ones before it."""
    VIEWER = "viewer"      # see it, preview it, read its versions and results
    EXPORTER = "exporter"  # and export its responses
    EDITOR = "editor"      # and upload new versions, open and close it

    @property
    def rank(self) -> int:
        return list(SurveyRole).index(self)


def sql_in(column: str, kind: type[enum.Enum]) -> str:
    """A CHECK constraint's condition admitting exactly an enum's values."""
    return f"{column} IN ({', '.join(repr(member.value) for member in kind)})"
