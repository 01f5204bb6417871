"""The whole respondent journey in Spanish, through the test client: consent, pages and their errors, the
receipt, /me with its forms, the notice and what changed in it, withdrawal; and the refusals."""
import re

from sqlalchemy import select

from models.response import NoticeVersion
from surveys import db
from tests.conftest import DEMO, answer, csrf_token, shown_code, sign_in, start

SPANISH = {"Accept-Language": "es-MX,es;q=0.9,en;q=0.5"}


def text(response) -> str:
    return response.get_data(as_text=True)


def spanish_client(client):
    """A browser that asks for Spanish, as a respondent in Mexico would."""
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = SPANISH["Accept-Language"]
    return client


def test_the_consent_step_says_in_spanish_exactly_what_the_english_says(client):
    html = text(spanish_client(client).get(f"/s/{DEMO}"))
    assert '<html lang="es" dir="ltr">' in html
    assert "<title>Patient wellbeing survey (demo): antes de empezar</title>" in html
    for sentence in ["La participación es <strong>voluntaria</strong>.",
                     "no se guarda nada hasta que usted envíe sus respuestas",
                     "Quiero participar en esta encuesta", "Tengo 18 años de edad o más",
                     "No divulguen mi información personal a terceros",
                     "No usen mi información personal para ningún propósito distinto de aquel para el que se recopiló",
                     "Doy mi consentimiento para la divulgación de mis respuestas sensibles a terceros o para otros "
                     "propósitos",
                     "Si deja esta casilla sin marcar, sus respuestas sensibles se quedan con nosotros y se usan solo "
                     "para el propósito indicado arriba.",
                     'versión <span class="notice-version">2026-11-01</span>', "Continuar a las preguntas"]:
        assert sentence in html, sentence
    spi = re.search(r'<input[^>]*name="spi_disclosure"[^>]*>', html).group(0)
    assert "checked" not in spi  # explicit consent: unticked by default in every language
    gpc = text(client.get(f"/s/{DEMO}", headers={"Sec-GPC": "1"}))
    assert "Solicitud de exclusión respetada." in gpc and "no divulgaremos su información personal a terceros" in gpc


def test_consent_errors_and_refusals_are_in_spanish(client, count_rows):
    spanish_client(client)
    missing = start(client, age_confirmed=True)
    assert missing.status_code == 200
    assert "La participación es voluntaria; marque la casilla de participar para enviar respuestas." in text(missing)
    assert "Revise las opciones señaladas abajo." in text(missing)
    unconfirmed = start(client, participate=True)
    assert unconfirmed.status_code == 200
    assert "Esta encuesta es para personas de 18 años o más, y para participar usted necesita confirmarlo." in text(
        unconfirmed)
    start(client, participate=True, age_confirmed=True)
    minor = answer(client, q_birth_date="2016-02-02", q_wellbeing="good")
    assert minor.status_code == 403 and "Esta encuesta es para personas de 18 años o más." in text(minor)
    assert "Gracias por su interés" in text(minor) and "No se ha guardado nada de lo que usted escribió." in text(minor)
    assert count_rows("responses") == 0


def test_a_respondent_answers_in_spanish_from_consent_to_withdrawal(app, client, count_rows):
    spanish_client(client)
    start(client, participate=True, age_confirmed=True, opt_out_other_purposes=True)
    first = text(client.get(f"/s/{DEMO}/questions"))
    assert "Página 1 de 3" in first and "(página 1 de 3)</title>" in first
    for words in ["Responda lo que desee", "<strong>Personal.</strong> Revela su identidad. Se guarda cifrada.",
                  "<strong>No identificatoria.</strong>", ">Siguiente</button>", ">Terminar más tarde</button>",
                  "Detenerse y salir sin enviar", "Elija…"]:
        assert words in first, words

    # Errors, on the page that has them, with the summary.
    errors = text(answer(client, q_full_name="Ana López", q_email="ana@", q_postcode="123"))
    assert "Algunas respuestas necesitan atención" in errors
    assert "Escriba una dirección de correo electrónico como nombre@example.org." in errors
    assert "Escriba una respuesta en el formato que pide esta pregunta." in errors
    assert '<span class="visually-hidden">Error:</span>' in errors and 'value="Ana López"' in errors
    second = text(answer(client, q_full_name="Ana López", q_email="ana@example.org"))
    assert "Página 2 de 3" in second and "Esta pregunta necesita una respuesta." in second
    assert "<strong>Sensible.</strong> Se guarda cifrada." in second
    third = text(answer(client, q_full_name="Ana López", q_wellbeing="good", q_visits="muchas"))
    assert "Página 3 de 3" in third and "Escriba un número entero." in third
    assert ">Enviar mis respuestas</button>" in third and ">Atrás</button>" in third

    # The receipt.
    done = answer(client, q_full_name="Ana López", q_wellbeing="good", q_visits="2", q_conditions="asma")
    receipt_page = text(client.get(done.headers["Location"]))
    code = shown_code(receipt_page)
    for words in ["<h1>Gracias</h1>", "Su código de recibo",
                  "<strong>Lo mostramos una sola vez y no podemos recuperarlo</strong>: solo guardamos una huella "
                  "digital de él.", "retirarse, lo que borra sus respuestas.",
                  "Guarde su código antes de cambiar el idioma: se muestra una sola vez."]:
        assert words in receipt_page, words

    # /me: the record, its dates, the consent change, a correction with an error, the withdrawal.
    login = text(client.get("/me"))
    assert "Vuelva a sus respuestas" in login and "Su código de recibo" in login
    wrong = sign_in(client, "AAAA-BBBB")
    assert wrong.status_code == 401 and "Ese código de recibo no corresponde a ninguna respuesta." in text(wrong)
    sign_in(client, code)
    record = text(client.get("/me/record"))
    for words in ["Sus respuestas a “Patient wellbeing survey (demo)”", "Lo que usted nos dio", "sin responder",
                  "Quién recibió sus respuestas", "Nadie ha recibido sus respuestas.", "Historial de sus opciones",
                  "en este sitio web", "Información personal usada solo para esta encuesta: sí",
                  "Retirarme y borrar mis respuestas",
                  "Entiendo que mis respuestas se borrarán y no se podrán recuperar", "se conserva hasta 3.650 días"]:
        assert words in record, words
    assert re.search(r"Enviada el \d{1,2} [a-z]{3,4}\.? \d{4}, \d{1,2}:\d{2} UTC", record)
    page = client.get("/me/record")
    client.post("/me/consent", data={"csrf_token": csrf_token(page.data), "opt_out_third_party": "y"})
    changed = text(client.get("/me/record"))
    assert "Se guardaron sus opciones." in changed and "Información personal reservada frente a terceros: sí" in changed
    correction = client.get("/me/answers")
    assert "Corrija sus respuestas" in text(correction)
    fixed = client.post("/me/answers", data={"csrf_token": csrf_token(correction.data), "q_wellbeing": "good",
                                             "q_visits": "muchas"})
    assert "Algunas respuestas necesitan atención" in text(fixed) and "Escriba un número entero." in text(fixed)
    unconfirmed = client.post("/me/withdraw", data={"csrf_token": csrf_token(page.data)})
    assert "Marque la casilla para confirmar." in text(client.get(unconfirmed.headers["Location"]))
    withdrawn = text(client.post("/me/withdraw", data={"csrf_token": csrf_token(page.data), "confirm": "y"}))
    assert "<h1>Sus respuestas se borraron</h1>" in withdrawn
    assert "Su código de recibo ya no funciona, usted no aparecerá en ninguna exportación posterior" in withdrawn
    assert count_rows("responses") == 0


def test_finish_later_and_resume_in_spanish(client):
    spanish_client(client)
    start(client, participate=True, age_confirmed=True)
    page = client.get(f"/s/{DEMO}/questions")
    later = text(client.post(f"/s/{DEMO}/questions", data={"csrf_token": csrf_token(page.data), "action": "later",
                                                           "page": "about_you", "q_full_name": "Ana"}))
    assert "Sus respuestas se guardaron para más tarde" in later and "Su código para continuar" in later
    assert re.search(r"hasta el \d{1,2} [a-z]{3,4}\.? \d{4}, \d{1,2}:\d{2} UTC", later)
    resume = client.get(f"/s/{DEMO}/resume")
    assert "Continuar con “Patient wellbeing survey (demo)”" in text(resume)
    bad = client.post(f"/s/{DEMO}/resume", data={"csrf_token": csrf_token(resume.data), "code": "NOPE"})
    assert "Ese código no abre ninguna respuesta guardada aquí." in text(bad)


def test_the_privacy_notice_and_its_changes_are_in_spanish(app, client, submit, instance_path):
    spanish_client(client)
    notice = text(client.get("/privacy"))
    assert "<title>Aviso de privacidad</title>" in notice and "<h1>Aviso de privacidad</h1>" in notice
    assert "Versión 2026-11-01" in notice and "solo si usted da su consentimiento explícito" in notice
    assert "retirarse, lo que lo borra" in notice
    assert "Privacy notice</h1>" in text(client.get("/privacy?lang=en"))
    code = submit(DEMO, {"wellbeing": "good"}).get_json()["receipt"]
    spanish = instance_path / "privacy-notice.es.md"
    assert spanish.exists()  # init copied each language's notice
    spanish.write_text(spanish.read_text().replace("version: 2026-11-01", "version: 2027-02-01")
                       + "\nAhora también compartimos conteos con agencias de salud pública.\n")
    client.get("/?lang=es")
    sign_in(client, code)
    record = text(client.get("/me/record"))
    assert "Nuestro aviso de privacidad cambió" in record and "versión 2027-02-01" in record
    assert re.search(r'<span class="visually-hidden">Se agregó:</span>Ahora también compartimos conteos', record)
    assert "Our privacy notice has changed" not in text(client.get("/me/record?lang=en"))  # English is unchanged
    page = client.get("/me/record?lang=es")
    client.post("/me/consent", data={"csrf_token": csrf_token(page.data), "opt_out_other_purposes": "y"})
    assert "Nuestro aviso de privacidad cambió" not in text(client.get("/me/record"))  # given under the new one
    with app.app_context():
        kept = {(row.version, row.language) for row in db.session().scalars(select(NoticeVersion))}
    assert {("2026-11-01", "en"), ("2026-11-01", "es"), ("2027-02-01", "es")} <= kept
