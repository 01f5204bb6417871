"""Checking a definition's languages and its texts: one string, or with several languages a mapping giving each its
own."""
from __future__ import annotations

from .checks import Checks
from .reader import line_of
from .spec import LANGUAGE, MAX_LANGUAGES


class TextChecks(Checks):
    #: The survey's languages: empty when it names none, None when the list has problems of its own (its texts
    #: are then checked only as texts, not against a list that is wrong).
    languages: tuple[str, ...] | None = ()
    #: For each language after the first, the texts that differ from the first's, by key.
    translated: dict[str, dict[str, str]]

    def language_list(self, data: dict) -> None:
        self.languages, self.translated = (), {}
        value, line = data.get("languages"), line_of(data, "languages")
        if value is None:
            return
        if not isinstance(value, list) or not 1 <= len(value) <= MAX_LANGUAGES:
            self.add("languages", f"must be a list of 1 to {MAX_LANGUAGES} language tags, the first the default "
                                  "(like [en, es])", line)
            self.languages = None
            return
        before = len(self.problems)
        for index, tag in enumerate(value):
            at = line_of(value, index) or line
            if not isinstance(tag, str) or not LANGUAGE.match(tag):
                self.add(f"languages[{index}]", f"{tag!r} is not a language tag: two or three lower-case letters, "
                                                "then any subtags (en, es, pt-BR)", at)
            elif tag in value[:index]:
                self.add(f"languages[{index}]", f"{tag!r} is listed twice", at)
        if len(self.problems) > before:
            self.languages = None
            return
        self.languages = tuple(value)
        self.translated = {language: {} for language in value[1:]}

    def words(self, mapping: dict, key: str, where: str, *, required: bool, max_len: int,
              path: str | None) -> str | None:
        """A text the respondent reads: its first language's text, the others kept under `path` (a key of
        models/translations.py; None when the name it needs has a problem of its own)."""
        value = mapping.get(key)
        line = line_of(mapping, key) or getattr(mapping, "line", None)
        if not isinstance(value, dict):
            text = self.text(mapping, key, where, required=required, max_len=max_len)
            if text is not None and self.languages and len(self.languages) > 1:
                self.add(f"{where}{key}", f"gives one text; this survey's languages {', '.join(self.languages)} "
                                          "need one each", line)
                return None
            return text
        if not self.languages:
            if self.languages is not None:
                self.add(f"{where}{key}", "gives a text per language, but the survey names no languages: list "
                                          "them first, as languages: [en, es]", line)
            return None
        before = len(self.problems)
        self.duplicates(value, f"{where}{key}")
        texts = {}
        for language in value:
            if language not in self.languages:
                self.add(f"{where}{key}.{language}", f"is not one of this survey's languages "
                                                     f"({', '.join(self.languages)})", line_of(value, language) or line)
            elif (text := self.text(value, language, f"{where}{key}.", required=True, max_len=max_len)) is not None:
                texts[language] = text
        missing = [language for language in self.languages if language not in value]
        if missing:
            self.add(f"{where}{key}", f"has no text in {', '.join(missing)}", line)
        if len(self.problems) > before:
            return None
        first = texts[self.languages[0]]
        for language in self.languages[1:] if path else ():
            if texts[language] != first:  # the same text is found by falling back to the first language
                self.translated[language][path] = texts[language]
        return first
