from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, CheckConstraint, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .instrument import Instrument
from .base import Base, EnumText, UTCDateTime, intpk, short_text, timestamp, utcnow
from .vocabulary import MIN_AGE, RETENTION_DAYS, Appearance, Classification, FieldType, Role, SurveyStatus, sql_in


class Survey(Base):
    __tablename__ = "surveys"
    __table_args__ = (
        CheckConstraint(f"min_age >= {MIN_AGE}", name="adults_only"),
        CheckConstraint("retention_days > 0", name="retention_positive"),
        CheckConstraint(sql_in("status", SurveyStatus), name="status_known"),
    )

    id: Mapped[intpk]
    #: The public name in URLs and the API: [a-z0-9-]+.
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    title: Mapped[short_text]
    #: The purpose of collection. Any other purpose is "other" under the disclosure rule.
    purpose: Mapped[str] = mapped_column(String(64))
    purpose_description: Mapped[str] = mapped_column(Text, default="")
    description: Mapped[str] = mapped_column(Text, default="")
    min_age: Mapped[int] = mapped_column(Integer, default=MIN_AGE)
    retention_days: Mapped[int] = mapped_column(Integer, default=RETENTION_DAYS)
    status: Mapped[SurveyStatus] = mapped_column(EnumText(SurveyStatus, 16), default=SurveyStatus.OPEN)
    created_at: Mapped[timestamp]
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    #: Sections (pages) and grids: {"sections": [{name, title, description, show_if}], "matrices": [{name, label,
    #: help, show_if}]}; empty for a survey that is one page of fields.
    layout: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    #: The languages its texts are in, the first the default; empty: the service's default language only.
    languages: Mapped[list[str]] = mapped_column(JSON, default=list)
    #: Its texts in each further language: {"es": {"title": "…", "field.q1.label": "…", …}}; the first
    #: language's texts are in the columns themselves.
    translations: Mapped[dict[str, dict[str, str]]] = mapped_column(JSON, default=dict)

    fields: Mapped[list["Field"]] = relationship(
        back_populates="survey", order_by="Field.position", cascade="all, delete-orphan"
    )

    @property
    def is_open(self) -> bool:
        return self.status == SurveyStatus.OPEN

    @property
    def stored_fields(self) -> list["Field"]:
        """The fields that hold answers: every one but the notes, which only show text."""
        return [field for field in self.fields if field.type != FieldType.NOTE]

    @property
    def instrument(self) -> Instrument:
        """Its pages, conditions and formulas, parsed (respondents' requests use a snapshot's, built once)."""
        return Instrument(self.fields, self.layout)


class Field(Base):
    __tablename__ = "fields"
    __table_args__ = (
        UniqueConstraint("survey_id", "name"),
        CheckConstraint(sql_in("classification", Classification), name="classification_known"),
    )

    id: Mapped[intpk]
    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id", ondelete="CASCADE"), index=True)
    position: Mapped[int]
    #: The answer's key in every payload: [a-z_][a-z0-9_]*.
    name: Mapped[str] = mapped_column(String(64))
    label: Mapped[str] = mapped_column(Text)
    help: Mapped[str] = mapped_column(Text, default="")
    type: Mapped[FieldType] = mapped_column(EnumText(FieldType, 16))
    classification: Mapped[Classification] = mapped_column(EnumText(Classification, 8))
    required: Mapped[bool] = mapped_column(Boolean, default=False)
    #: birth_date or age: the field feeds the age gate.
    role: Mapped[Role | None] = mapped_column(EnumText(Role, 16))
    #: Coded choices: [{"value": 0 or "text", "label": "…"}], the value's type kept.
    choices: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON)
    #: Bounds as JSON scalars: numbers for integer/number, ISO texts for date, time and datetime.
    min: Mapped[Any] = mapped_column(JSON, nullable=True)
    max: Mapped[Any] = mapped_column(JSON, nullable=True)
    #: The expression that must be true for the question to be asked; the formula of a calculated field.
    show_if: Mapped[str | None] = mapped_column(Text)
    formula: Mapped[str | None] = mapped_column(Text)
    #: A full-match regular expression for text answers.
    pattern: Mapped[str | None] = mapped_column(Text)
    appearance: Mapped[Appearance | None] = mapped_column(EnumText(Appearance, 16))
    #: The section (page) it is on, and the grid it is a row of, by name (see Survey.layout).
    section: Mapped[str | None] = mapped_column(String(64))
    matrix: Mapped[str | None] = mapped_column(String(64))

    survey: Mapped[Survey] = relationship(back_populates="fields")


class SurveyVersion(Base):
    """Every definition saved for a survey, as our own format's data, with who saved it, from where, and
    who confirmed its classification. The survey's own rows are the newest; these are its history."""
    __tablename__ = "survey_versions"
    __table_args__ = (UniqueConstraint("survey_id", "number"),)

    id: Mapped[intpk]
    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id", ondelete="CASCADE"))
    #: 1, 2, 3 … per survey.
    number: Mapped[int]
    #: The definition as our YAML/JSON format holds it (models.definition.writer.definition_data).
    definition: Mapped[dict[str, Any]] = mapped_column(JSON)
    saved_by: Mapped[str] = mapped_column(String(254))
    saved_at: Mapped[timestamp]
    #: Where it came from: "upload of x.csv (REDCap data dictionary)", "command line: x.yaml", "class review".
    source: Mapped[str] = mapped_column(Text, default="")
    #: Fields an import classified spi for want of a tag: the review shows them apart.
    defaulted_spi: Mapped[list[str]] = mapped_column(JSON, default=list)
    reviewed_by: Mapped[str | None] = mapped_column(String(254))
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
