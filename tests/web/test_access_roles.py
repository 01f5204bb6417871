"""Who reaches which staff page: for each kind of person, each page's answer. One row per page; a new staff page
adds its row here, with what each kind of person gets."""
import pytest
from sqlalchemy import select, update

from models.account import Account
from models.recipient import INTERNAL, Recipient
from models.vocabulary import SurveyRole
from surveys import access, catalogue, db, export_jobs
from surveys.disclosures import prepare
from surveys.jobs import jobs
from surveys.keys import keyring
from tests.conftest import DEMO, csrf_token

#: The kinds of person, in the order of each row's answers. A reviewer here has the right and no survey role.
PEOPLE = ("signed out", "no grant", "viewer", "exporter", "editor", "reviewer", "admin")
LOGIN, NO, OK, GONE = "sign-in", 403, 200, 404

#: page: (method, path, answers in the order of PEOPLE). {slug} is the demo survey, {internal} the internal
#: recipient, {someone} another researcher's account, {job} a finished export that someone started (it is theirs
#: and any admin's; to anyone else there is no such export).
PAGES = {
    "dashboard": ("GET", "/researcher/", (LOGIN, OK, OK, OK, OK, OK, OK)),
    "export page": ("GET", "/researcher/export", (LOGIN, OK, OK, OK, OK, OK, OK)),
    "export download": ("POST", "/researcher/export/download", (LOGIN, NO, NO, 302, 302, NO, 302)),
    "an export job": ("GET", "/researcher/export/jobs/{job}", (LOGIN, GONE, GONE, GONE, GONE, GONE, OK)),
    "an export job's state": ("GET", "/researcher/export/jobs/{job}/status", (LOGIN, GONE, GONE, GONE, GONE, GONE, OK)),
    "an export job's file": ("POST", "/researcher/export/jobs/{job}/file", (LOGIN, GONE, GONE, GONE, GONE, GONE, OK)),
    "codebook": ("GET", "/researcher/export/codebook/{slug}", (LOGIN, NO, OK, OK, OK, OK, OK)),
    "recipients": ("GET", "/researcher/recipients", (LOGIN, NO, NO, NO, NO, NO, OK)),
    "a recipient": ("GET", "/researcher/recipients/{internal}", (LOGIN, NO, NO, NO, NO, NO, OK)),
    "ledger": ("GET", "/researcher/ledger", (LOGIN, NO, NO, NO, NO, NO, OK)),
    "erase": ("GET", "/researcher/erase", (LOGIN, NO, NO, NO, NO, NO, OK)),
    "staff list": ("GET", "/researcher/staff", (LOGIN, NO, NO, NO, NO, NO, OK)),
    "staff account": ("GET", "/researcher/staff/{someone}", (LOGIN, NO, NO, NO, NO, NO, OK)),
    "staff disable": ("GET", "/researcher/staff/{someone}/disable", (LOGIN, NO, NO, NO, NO, NO, OK)),
    "own password": ("GET", "/researcher/password", (LOGIN, OK, OK, OK, OK, OK, OK)),
    "surveys": ("GET", "/researcher/surveys", (LOGIN, OK, OK, OK, OK, OK, OK)),
    "a survey": ("GET", "/researcher/surveys/{slug}", (LOGIN, NO, OK, OK, OK, OK, OK)),
    "a version's file": ("GET", "/researcher/surveys/{slug}/versions/1/yaml", (LOGIN, NO, OK, OK, OK, OK, OK)),
    "a version's changes": ("GET", "/researcher/surveys/{slug}/versions/1/changes?against=1",
                            (LOGIN, NO, OK, OK, OK, OK, OK)),
    "open or close": ("POST", "/researcher/surveys/{slug}/status", (LOGIN, NO, NO, NO, 302, NO, 302)),
    "results": ("GET", "/researcher/surveys/{slug}/results", (LOGIN, NO, OK, OK, OK, OK, OK)),
    "classification review": ("GET", "/researcher/surveys/{slug}/review", (LOGIN, NO, NO, NO, NO, OK, OK)),
    "preview: consent": ("GET", "/researcher/surveys/{slug}/preview/", (LOGIN, NO, OK, OK, OK, OK, OK)),
    "preview: questions": ("GET", "/researcher/surveys/{slug}/preview/questions", (LOGIN, NO, OK, OK, OK, OK, OK)),
}

#: What a POST sends besides its CSRF token, by page.
FORMS = {
    "open or close": {"status": "open"},
    "export download": {"survey": DEMO, "recipient": "{internal}", "purpose": "care-quality", "format": "csv",
                        "mode": "blank"},
}


@pytest.fixture
def as_person(app, client, login, make_account):
    """Sign `client` in as this kind of person; returns the values the paths are filled with."""
    def sign_in(person: str) -> dict:
        make_account("someone@example.org")
        if person == "admin":
            login("admin")
        elif person != "signed out":
            grant = {"no grant": None, "reviewer": None}.get(person, person)
            email = login("researcher", email=f"{person.replace(' ', '-')}@example.org", grant=grant)
            if person == "reviewer":
                with app.app_context():
                    db.session().execute(update(Account).where(Account.email == email).values(reviewer=True))
                    db.commit()
        with app.app_context():
            session = db.session()
            return {"slug": DEMO,
                    "internal": session.scalar(select(Recipient.id).where(Recipient.kind == INTERNAL)),
                    "someone": session.scalar(select(Account.id).where(Account.email == "someone@example.org")),
                    "job": someones_export(session)}
    return sign_in


def someones_export(session) -> str:
    """A finished export of the demo survey that someone, an exporter of it, started (jobs run at once here)."""
    someone = session.scalar(select(Account).where(Account.email == "someone@example.org"))
    survey = catalogue.get_survey(session, DEMO)
    access.grant(session, someone, survey, SurveyRole.EXPORTER, "test")
    internal = session.scalar(select(Recipient).where(Recipient.kind == INTERNAL))
    job = export_jobs.start(session, keyring(), someone, prepare(survey, internal, "care-quality", someone.email),
                            "csv", "blank")
    db.commit()
    jobs().submit_export(job.handle)
    return job.handle


@pytest.mark.parametrize("person", PEOPLE)
@pytest.mark.parametrize("page", PAGES)
def test_each_kind_of_person_gets_the_answer_the_matrix_gives_on_each_staff_page(client, as_person, page, person):
    method, path, answers = PAGES[page]
    expected = answers[PEOPLE.index(person)]
    values = as_person(person)
    path = path.format(**values)
    if method == "GET":
        response = client.get(path)
    else:
        token = csrf_token(client.get("/researcher/login").data)
        form = {name: value.format(**values) for name, value in FORMS.get(page, {}).items()}
        response = client.post(path, data={"csrf_token": token, **form})
    # Read to the end at once: a streamed download left unread keeps its app context pushed into the next test.
    body = response.get_data(as_text=True)
    if expected == LOGIN:
        assert response.status_code == 302 and "/researcher/login" in response.headers["Location"]
    elif expected == 302:  # an action done: back to the page it was sent from
        assert response.status_code == 302 and "/researcher/login" not in response.headers["Location"]
    else:
        assert response.status_code == expected, body[:300]


def test_the_matrix_names_every_staff_page_there_is(app):
    """A staff page added without a row here fails this test: every page is placed in the matrix on purpose."""
    adapter = app.url_map.bind("localhost")
    covered = {adapter.match(path.format(slug=DEMO, internal=1, someone=1, job="0" * 32).split("?")[0], method)[0]
               for method, path, _ in PAGES.values()}
    staff_pages = {rule.endpoint for rule in app.url_map.iter_rules() if rule.endpoint.startswith("researcher.")}
    assert staff_pages - covered - NOT_PAGES == set()


#: Routes that are not pages a person opens with their rights: signing in and out, the link a new person
#: follows (the link is the credential), and the actions a page's buttons send (each checked where it is tested).
NOT_PAGES = {"researcher.login", "researcher.logout", "researcher.set_password", "researcher.staff_rights",
             "researcher.staff_roles", "researcher.staff_enable", "researcher.staff_link", "researcher.issue_token",
             "researcher.revoke_token", "researcher.upload"}
