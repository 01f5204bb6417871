"""The catalogues against the code: every string the pages and the models' messages use is extracted as
`make messages` does (pybabel, babel.cfg) and must be in each language's .po, translated and not fuzzy."""
import re
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

ROOT = Path(__file__).parents[2]
TRANSLATIONS = ROOT / "surveys" / "translations"
LANGUAGES = sorted(path.parent.parent.name for path in TRANSLATIONS.glob("*/LC_MESSAGES/messages.po"))
PLACEHOLDER = re.compile(r"%\([a-z_]+\)s")
TAG = re.compile(r"</?[a-z]+[^>]*>")


def pybabel(*args: str) -> None:
    """The pybabel beside this interpreter: the one the install step put in the virtual environment."""
    command = [str(Path(sys.executable).parent / "pybabel"), *args]
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


@pytest.fixture(scope="module")
def extracted(tmp_path_factory) -> dict:
    pot = tmp_path_factory.mktemp("catalogue") / "messages.pot"
    pybabel("extract", "-F", "babel.cfg", "-k", "Message", "-k", "lazy_gettext", "-o", str(pot), "models", "surveys")
    with pot.open("rb") as file:
        return {message.id: message for message in read_po(file) if message.id}


def catalogue(language: str) -> dict:
    with (TRANSLATIONS / language / "LC_MESSAGES" / "messages.po").open("rb") as file:
        return {message.id: message for message in read_po(file) if message.id}


def problems(extracted: dict, translated: dict) -> list[str]:
    """Each string missing, untranslated or fuzzy, or translated with other placeholders or other markup."""
    found = []
    for msgid in extracted:
        english = msgid if isinstance(msgid, str) else msgid[0]  # a plural's singular stands for it
        message = translated.get(msgid)
        texts = [] if message is None else [message.string] if isinstance(message.string, str) else message.string
        if message is None:
            found.append(f"missing: {english!r}")
        elif not all(texts):
            found.append(f"untranslated: {english!r}")
        elif message.fuzzy:
            found.append(f"fuzzy: {english!r}")
        for text in texts if message is not None and all(texts) and not message.fuzzy else ():
            if set(PLACEHOLDER.findall(text)) != set(PLACEHOLDER.findall(english)):
                found.append(f"placeholders differ: {english!r} → {text!r}")
            if sorted(TAG.findall(text)) != sorted(TAG.findall(english)):
                found.append(f"markup differs: {english!r} → {text!r}")
    return found


def test_there_are_english_and_spanish_catalogues():
    assert {"en", "es"} <= set(LANGUAGES)  # English is the code's own, its catalogue checked complete like Spanish


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_string_of_the_code_and_templates_is_translated(extracted, language):
    assert problems(extracted, catalogue(language)) == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_compiled_catalogue_is_there_and_up_to_date(language):
    """The install step compiles them (make); an edit to a .po needs `make catalogues` before the pages show it."""
    po = TRANSLATIONS / language / "LC_MESSAGES" / "messages.po"
    mo = po.with_suffix(".mo")
    assert mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime, f"{mo} is stale: run `make catalogues`"


def test_the_check_sees_a_string_added_without_its_translation(extracted):
    spanish = catalogue("es")
    assert problems({**extracted, "A sentence added to a template": None}, spanish) == [
        "missing: 'A sentence added to a template'"]
    fuzzy = next(iter(spanish.values()))
    fuzzy.flags.add("fuzzy")
    assert problems({fuzzy.id: None}, spanish) == [f"fuzzy: {fuzzy.id!r}"]
    dropped = {"Page %(number)s of %(pages)s": type(fuzzy)("Page %(number)s of %(pages)s", "Página %(number)s")}
    assert problems({"Page %(number)s of %(pages)s": None}, dropped)[0].startswith("placeholders differ")
