from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, CheckConstraint, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, EnumText, UTCDateTime, intpk, short_text, timestamp, utcnow
from .vocabulary import MIN_AGE, RETENTION_DAYS, Classification, FieldType, Role, SurveyStatus, sql_in


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

    fields: Mapped[list["Field"]] = relationship(
        back_populates="survey", order_by="Field.position", cascade="all, delete-orphan"
    )

    @property
    def is_open(self) -> bool:
        return self.status == SurveyStatus.OPEN


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
    choices: Mapped[list[str] | None] = mapped_column(JSON)
    #: Bounds as JSON scalars: numbers for integer/number, ISO dates for date.
    min: Mapped[Any] = mapped_column(JSON, nullable=True)
    max: Mapped[Any] = mapped_column(JSON, nullable=True)

    survey: Mapped[Survey] = relationship(back_populates="fields")
