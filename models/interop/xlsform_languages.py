"""An XLSForm's label::<language> and hint::<language> columns as our languages (the code in a heading's parentheses,
else a common language's name): read, and named for writing."""
from __future__ import annotations

import re
from typing import Any

from ..definition.spec import LANGUAGE, Problem
from ..vocabulary import DEFAULT_LANGUAGE
from .common import Located, LocatedList

CODE_IN_HEADING = re.compile(r"\(([^()]+)\)\s*$")
#: Common languages by English name, the name our export writes beside the code: "Spanish (es)".
ENGLISH_NAMES = {
    "af": "Afrikaans", "am": "Amharic", "ar": "Arabic", "bn": "Bengali", "ca": "Catalan", "cs": "Czech",
    "da": "Danish", "de": "German", "el": "Greek", "en": "English", "es": "Spanish", "fa": "Persian",
    "ff": "Fula", "fi": "Finnish", "fr": "French", "gu": "Gujarati", "ha": "Hausa", "he": "Hebrew", "hi": "Hindi",
    "ht": "Haitian Creole", "hu": "Hungarian", "id": "Indonesian", "ig": "Igbo", "it": "Italian", "ja": "Japanese",
    "km": "Khmer", "ko": "Korean", "ku": "Kurdish", "lg": "Luganda", "lo": "Lao", "mg": "Malagasy",
    "mr": "Marathi", "ms": "Malay", "my": "Burmese", "ne": "Nepali", "nl": "Dutch", "no": "Norwegian",
    "ny": "Chichewa", "om": "Oromo", "pa": "Punjabi", "pl": "Polish", "ps": "Pashto", "pt": "Portuguese",
    "ro": "Romanian", "ru": "Russian", "rw": "Kinyarwanda", "si": "Sinhala", "sn": "Shona", "so": "Somali",
    "sv": "Swedish", "sw": "Swahili", "ta": "Tamil", "te": "Telugu", "th": "Thai", "ti": "Tigrinya",
    "tl": "Tagalog", "tr": "Turkish", "uk": "Ukrainian", "ur": "Urdu", "vi": "Vietnamese", "wo": "Wolof",
    "xh": "Xhosa", "yo": "Yoruba", "zh": "Chinese", "zu": "Zulu"}
#: Names forms are written with besides the English ones: each language's own, and a few others.
OTHER_NAMES = {"español": "es", "espanol": "es", "castellano": "es", "français": "fr", "francais": "fr",
               "deutsch": "de", "italiano": "it", "português": "pt", "portugues": "pt", "nederlands": "nl",
               "kiswahili": "sw", "العربية": "ar", "עברית": "he", "فارسی": "fa", "farsi": "fa", "اردو": "ur",
               "हिन्दी": "hi", "русский": "ru", "中文": "zh", "日本語": "ja", "한국어": "ko", "filipino": "fil",
               "tiếng việt": "vi", "türkçe": "tr", "polski": "pl", "українська": "uk", "kreyòl": "ht",
               "bahasa indonesia": "id", "dari": "prs", "tetum": "tet", "mandarin": "zh"}
NAMES = {name.casefold(): code for code, name in ENGLISH_NAMES.items()} | OTHER_NAMES
#: pyxform's own name for the language of the columns that name none.
PLAIN = "default"


def tag_of(written: str) -> str | None:
    """A heading's language as our tag: "Español (es)" → es, "pt-BR" → pt-BR, "French" → fr; None if unknown."""
    found = CODE_IN_HEADING.search(written)
    if found:
        primary, _, rest = found.group(1).strip().partition("-")
        code = primary.lower() + (f"-{rest}" if rest else "")
        return code if LANGUAGE.match(code) else None
    if LANGUAGE.match(written.strip()):
        return written.strip()
    return NAMES.get(" ".join(written.split()).casefold())


def heading_of(tag: str) -> str:
    """How our export names a language in its column headings: "Spanish (es)", "Portuguese (pt-BR)"."""
    return f"{ENGLISH_NAMES.get(tag.split('-')[0], tag)} ({tag})"


class Languages:
    """Expects the reader's sheets, settings, problems and notes."""

    def choose_languages(self) -> None:
        """Our languages from the label and hint columns, settings' default_language first; the columns that name no
        language are the default language's (pyxform's "default"), else the service's own."""
        self.languages: list[str] = []
        #: Per language, the languages as the headings write them, in order; None for the columns that name none.
        self.columns: dict[str, list[str | None]] = {}
        self.untranslated: dict[tuple[str, str], list[Any]] = {}
        written, plain = [], False
        for sheet in (self.sheets.get(name) for name in ("survey", "choices")):
            for key in sheet.headings if sheet else ():
                kind, _, language = key.partition("::")
                if kind in ("label", "hint") and language:
                    tag = tag_of(language)
                    if tag is None:
                        self.problems.append(Problem(f"{sheet.name.lower()} sheet", "names a language this import "
                                                     "cannot tell: write it as Name (code), like Español (es)",
                                                     sheet.heading_at(key)))
                    elif language not in written:
                        written.append(language)
                        self.columns.setdefault(tag, []).append(language)
                plain = plain or kind in ("label", "hint") and not language
        given = self.settings.get("default_language") if self.settings else None
        default = next((tag for tag, names in self.columns.items() if given in names), None) or \
            (tag_of(given) if given and given.casefold() != PLAIN else None)
        if given and given.casefold() != PLAIN and default is None:
            self.problems.append(Problem("settings", f"default_language {given!r} names a language this import "
                                         "cannot tell: write it as Name (code), like Español (es)",
                                         self.settings.at("default_language")))
        if not self.columns:
            self.languages = [default] if default else []
            return
        if plain:
            owner = default or DEFAULT_LANGUAGE
            self.columns[owner] = self.columns.get(owner, []) + [None]
            if default is None:
                self.notes.append(f"the label column names no language, so it is taken to be {heading_of(owner)}; "
                                  "settings' default_language says which it is")
            default = owner  # pyxform's default language is the plain columns' one
        elif default is not None and default not in self.columns:
            first = next(iter(self.columns))
            self.notes.append(f"default_language {given!r} has no labels, so {heading_of(first)} is the first language")
            default = None
        first = default or next(iter(self.columns))
        self.languages = [first] + [tag for tag in self.columns if tag != first]

    def language_list(self) -> LocatedList | None:
        if not self.languages:
            return None
        place = self.settings.at("default_language") if self.settings and self.settings.get("default_language") \
            else f"survey sheet, row {self.sheets['survey'].heading_row}"
        return LocatedList(self.languages, [place] * len(self.languages))

    def words(self, row, kind: str) -> tuple[Any, str | None]:
        """A row's label or hint (`kind`) in every language, and where its first language's is: one text, or with
        several languages a mapping of them. A cell empty in one language shows another's, and the notes say so."""
        if len(self.columns) == 0:
            return (row.get(kind), row.at(kind)) if row.get(kind) else (None, None)
        found = {tag: next(((row.get(key), key) for key in self.keys(tag, kind) if row.get(key)), None)
                 for tag in self.languages}
        donor = next((tag for tag in self.languages if found[tag]), None)
        if donor is None:
            return None, None
        for tag in self.languages:
            if found[tag] is None:
                source = self.languages[0] if found[self.languages[0]] else donor
                found[tag] = found[source]
                self.untranslated.setdefault((tag, source), []).append(row)
        first_text, first_key = found[self.languages[0]]
        if len(self.languages) == 1:
            return first_text, row.at(first_key)
        return (Located({tag: text for tag, (text, _) in found.items()}, at=row.at(first_key),
                        places={tag: row.at(key) for tag, (_, key) in found.items()}), row.at(first_key))

    def keys(self, tag: str, kind: str) -> list[str]:
        return [f"{kind}::{language}" if language else kind for language in self.columns[tag]]

    def setting(self, key: str, fallback: str | None = None) -> tuple[Any, str | None]:
        """A text of the settings sheet (form_title…) in every language: key::<language> where given, else the
        plain key's text (pyxform translates none of them), else `fallback`."""
        row = self.settings
        plain = row.get(key) if row else None
        text = plain or fallback
        if text is None:
            return None, None
        place = row.at(key) if plain else None
        if len(self.languages) < 2:
            return text, place
        texts = {tag: next((row.get(f"{key}::{language}") for language in self.columns.get(tag, ())
                            if language and row and row.get(f"{key}::{language}")), text) for tag in self.languages}
        return Located(texts, at=place, places={tag: place for tag in texts}), place

    def note_untranslated(self) -> None:
        for (tag, source), rows in self.untranslated.items():
            sheets: dict[str, dict[int, None]] = {}  # a row's label and hint may both be missing: listed once
            for row in rows:
                sheets.setdefault(row.sheet, {})[row.number] = None
            where = "; ".join(f"{sheet} sheet, row{'s' if len(numbers) > 1 else ''} {', '.join(map(str, numbers))}"
                              for sheet, numbers in sheets.items())
            self.notes.append(f"texts with nothing in {heading_of(tag)} show the {heading_of(source)} text there "
                              f"({where})")
