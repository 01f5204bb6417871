"""A survey's texts in its languages: the keys each is stored under, and the one rule for finding one (the wanted
language's text, else the first language's: never nothing)."""
from __future__ import annotations

from typing import Any

from .choices import options
from .vocabulary import DEFAULT_LANGUAGE

#: The first language's texts live where they always have (the survey's title, each field's label…); each further
#: language holds, by key, only those of its texts that differ. The survey's own texts are each their own key.
SURVEY_TEXTS = ("title", "purpose_description", "description")


def section_key(name: str, part: str) -> str:
    """`part`: title or description."""
    return f"section.{name}.{part}"


def matrix_key(name: str, part: str) -> str:
    """`part`: label or help."""
    return f"matrix.{name}.{part}"


def field_key(name: str, part: str) -> str:
    """`part`: label or help; a grid's rows are fields."""
    return f"field.{name}.{part}"


def choice_key(owner: str, value: Any) -> str:
    """`owner`: the field, or for a grid's rows the grid, that lists the choice; values are unique as text."""
    return f"choice.{owner}.{value}"


def choice_owner(field: Any) -> str:
    """A grid's rows share its one list of choices, translated once under the grid's name."""
    return getattr(field, "matrix", None) or field.name


def languages_of(survey: Any) -> tuple[str, ...]:
    """The languages a survey is in, the first its default; one that names none is in the service's own."""
    return tuple(survey.languages or ()) or (DEFAULT_LANGUAGE,)


def language_for(survey: Any, wanted: str | None) -> str:
    """The survey's language nearest `wanted` (es-MX finds es), else its first."""
    languages = languages_of(survey)
    if wanted in languages:
        return wanted
    base = (wanted or "").split("-")[0].lower()
    return next((language for language in languages if language.split("-")[0] == base), languages[0])


def text_in(survey: Any, key: str, lang: str | None) -> str:
    """One text of the survey (a SurveySpec, the stored Survey or a snapshot) in `lang`, else in its first language;
    for many texts at once, texts_in."""
    translated = (survey.translations or {}).get(language_for(survey, lang), {}).get(key)
    return translated or first_texts(survey).get(key, "")


def texts_in(survey: Any, lang: str | None) -> dict[str, str]:
    """Every text of the survey by key, in `lang` where it has a translation, else in its first language."""
    return {**first_texts(survey), **(survey.translations or {}).get(language_for(survey, lang), {})}


def first_texts(survey: Any) -> dict[str, str]:
    """The survey's texts in its first language, by key."""
    texts = {key: getattr(survey, key) or "" for key in SURVEY_TEXTS}
    layout = survey.layout() if callable(survey.layout) else survey.layout or {}  # a SurveySpec builds its own
    for section in layout.get("sections") or ():
        texts[section_key(section["name"], "title")] = section.get("title") or ""
        texts[section_key(section["name"], "description")] = section.get("description") or ""
    for matrix in layout.get("matrices") or ():
        texts[matrix_key(matrix["name"], "label")] = matrix.get("label") or ""
        texts[matrix_key(matrix["name"], "help")] = matrix.get("help") or ""
    for field in survey.fields:
        texts[field_key(field.name, "label")] = field.label or ""
        texts[field_key(field.name, "help")] = field.help or ""
        texts.update({choice_key(choice_owner(field), c.value): c.label for c in options(field)})
    return texts
