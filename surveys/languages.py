"""The language of each respondent page: chosen, negotiated and offered; the switcher's targets; the models'
messages translated; dates and numbers written for the reader."""
import logging
import re
from datetime import datetime
from functools import lru_cache
from pathlib import Path

from babel import Locale
from flask import Flask, g, has_request_context, request, session, url_for
from flask_babel import Babel, format_date, format_time, get_locale, gettext
from sqlalchemy.exc import SQLAlchemyError

from models.messages import Message
from models.translations import language_for, languages_of
from models.vocabulary import DEFAULT_LANGUAGE, RIGHT_TO_LEFT

from . import catalogue, db, errors

TRANSLATIONS = Path(__file__).parent / "translations"
#: Where a respondent's choice of language is kept between pages.
SESSION_KEY = "lang"
#: Pages for staff stay in the service's own language, whatever a respondent chose in the same browser.
STAFF_BLUEPRINTS = {"researcher", "api"}
PRIMARY = re.compile(r"^([a-z]{2,3})(?:[-_][a-z0-9]{1,8})*$", re.IGNORECASE)

log = logging.getLogger(__name__)


def init_app(app: Flask) -> None:
    Babel(app, locale_selector=select_language, default_translation_directories=str(TRANSLATIONS))
    app.jinja_env.policies["ext.i18n.trimmed"] = True  # as babel.cfg extracts them: whitespace folded
    app.jinja_env.filters.update(translated=translated, when=when)
    app.before_request(remember_choice)
    app.context_processor(page_language)
    for stale in stale_catalogues():
        log.warning("%s is missing or older than its .po: run `make` (pybabel compile -d surveys/translations)",
                    stale)


@lru_cache(maxsize=1)
def catalogue_languages() -> tuple[str, ...]:
    """The service's own language, then each language with a compiled catalogue, in alphabetical order."""
    found = sorted(path.parent.parent.name for path in TRANSLATIONS.glob("*/LC_MESSAGES/messages.mo"))
    return (DEFAULT_LANGUAGE, *[code for code in found if code != DEFAULT_LANGUAGE])


def stale_catalogues() -> list[Path]:
    """Compiled catalogues that are missing or older than their source."""
    return [po.with_suffix(".mo") for po in sorted(TRANSLATIONS.glob("*/LC_MESSAGES/messages.po"))
            if not po.with_suffix(".mo").exists() or po.with_suffix(".mo").stat().st_mtime < po.stat().st_mtime]


_UNSEEN = object()


def page_survey():
    """The survey a respondent page is about (its read-only copy), or None. Asked for by the choice of
    language, the switcher and the page itself: looked up once per request."""
    if not has_request_context():
        return None
    found = g.get("page_survey", _UNSEEN)
    if found is _UNSEEN:
        found = g.page_survey = _lookup_page_survey()
    return found


def _lookup_page_survey():
    slug = (request.view_args or {}).get("slug")
    if not isinstance(slug, str) or request.blueprint not in ("respond", "preview"):
        return None
    try:
        return catalogue.respondent_survey(db.session(), slug)
    except (errors.NotFound, SQLAlchemyError):  # an outage's error page still gets a language: the service's
        return None


def survey_languages() -> list[str]:
    """The languages of the survey this page belongs to, its default first (the service's own elsewhere)."""
    survey = page_survey()
    return list(languages_of(survey)) if survey is not None else [DEFAULT_LANGUAGE]


def offered_languages() -> tuple[str, ...]:
    """The languages the pages can be read in: those the catalogues hold, and the survey's own (its texts come
    from the definition; the service's own sentences stay in English where there is no catalogue)."""
    own = catalogue_languages()
    return (*own, *[language for language in survey_languages() if language not in own])


def readable(survey):
    """The survey with its texts in the reader's language, or its first where it has not that one."""
    return survey.localized(language_for(survey, current_language()))


def text_language(survey) -> str:
    """The survey's language the reader reads it in: what a response is kept as answered in."""
    return language_for(survey, current_language())


def primary_tag(tag: str | None) -> str | None:
    """A language tag reduced to its language: "es-MX" and "es_mx" → "es"; None for anything else."""
    match = PRIMARY.match((tag or "").strip())
    return match.group(1).lower() if match else None


def from_header(accepted: list[tuple[str, float]], offered: tuple[str, ...]) -> str | None:
    """The browser's most wanted language among those offered, by quality (q=0 means "not this one"); a
    wildcard, or nothing offered, leaves the choice to the survey."""
    refused = {primary_tag(value) for value, quality in accepted if quality <= 0}
    for value, quality in accepted:  # werkzeug keeps them sorted by quality, ties in the header's order
        if value == "*" and quality > 0:
            return None
        language = primary_tag(value)
        if quality > 0 and language in offered and language not in refused:
            return language
    return None


def remember_choice() -> None:
    """A respondent's `?lang=xx` holds for the next pages too; an unknown one is ignored."""
    chosen = primary_tag(request.args.get("lang"))
    if chosen in offered_languages() and request.blueprint not in STAFF_BLUEPRINTS:
        session[SESSION_KEY] = chosen


def select_language() -> str:
    """?lang=, else the choice kept, else Accept-Language, else the survey's first language, else English."""
    if not has_request_context() or request.blueprint in STAFF_BLUEPRINTS:
        return DEFAULT_LANGUAGE
    offered = offered_languages()
    for candidate in (primary_tag(request.args.get("lang")), session.get(SESSION_KEY),
                      from_header(list(request.accept_languages), offered), *survey_languages()):
        if candidate in offered:
            return candidate
    return DEFAULT_LANGUAGE


def current_language() -> str:
    return str(get_locale() or DEFAULT_LANGUAGE).split("_")[0]


def switch_target(language: str) -> str:
    """This page in another language. A page that answered a form sent to an address that only takes
    forms (leaving, withdrawing) has nothing to show again: the switch goes to the list of surveys."""
    args = {**request.args.to_dict(), "lang": language}
    if request.endpoint and request.url_rule and "GET" in request.url_rule.methods:
        return url_for(request.endpoint, **(request.view_args or {}), **args)
    return url_for("respond.index", lang=language)


def page_language() -> dict:
    language = current_language()
    return {"page_language": language, "page_direction": "rtl" if language in RIGHT_TO_LEFT else "ltr",
            "languages": [(code, language_name(code)) for code in offered_languages()],
            "switch_target": switch_target}


@lru_cache(maxsize=32)
def language_name(code: str) -> str:
    """A language's name in that language, as a switcher shows it: English, Español; a tag Babel does not
    know, as it is."""
    try:
        name = Locale.parse(code.replace("-", "_")).get_display_name(code.replace("-", "_")) or code
    except (ValueError, TypeError):  # babel's UnknownLocaleError is a ValueError too
        return code
    return name[:1].upper() + name[1:]


def translated(text):
    """A message from models/ or a use case in the reader's language; any other text as it is."""
    return gettext(text.template, **text.params) if isinstance(text, Message) else text


def when(moment: datetime) -> str:
    """A date and time in the reader's language and its usual order, in UTC (the pages say so)."""
    joined = get_locale().datetime_formats["medium"].replace("'", "")  # "{1}, {0}": the date, then the time
    return joined.format(format_time(moment, "short"), format_date(moment, "medium"))
