"""The surveys page: uploading in any format with every problem shown where it is, drafts that nobody answers
until their classification is reviewed, the review itself, open and close, versions, their differences and
downloads."""
import gc
import io
import re
from html import unescape

import pytest
from sqlalchemy import func, select

from models.interop.loading import load_bytes
from models.ledger import LedgerEntry
from models.response import Response
from models.survey import Survey, SurveyVersion
from surveys import db
from tests.conftest import DEMO, csrf_token, recipient_id

SURVEY = """slug: sleep-study
title: Sleep study
purpose: care-quality
fields:
  - {name: nickname, label: "What should we call you?", type: text, classification: pii}
  - {name: hours, label: Hours slept last night, type: number, classification: non_pii}
  - {name: insomnia, label: "Do you have insomnia?", type: boolean, classification: spi}
"""

REDCAP = ("Variable / Field Name,Form Name,Section Header,Field Type,Field Label,"
          "\"Choices, Calculations, OR Slider Labels\",Field Note,Text Validation Type OR Show Slider Number,"
          "Text Validation Min,Text Validation Max,Identifier?,Branching Logic (Show field only if...),"
          "Required Field?,Custom Alignment,Question Number (surveys only),Matrix Group Name,Matrix Ranking?,"
          "Field Annotation\n"
          "record_id,intake,,text,Record ID,,,,,,,,,,,,,@NON-PII\n"
          "mood,intake,,radio,How is your mood?,\"1, Good | 2, Bad\",,,,,,,,,,,,@NON-PII\n"
          "diagnosis,intake,,text,Any diagnosis?,,,,,,,,,,,,,\n")


def upload(client, content: str | bytes, filename: str = "survey.yaml", **options):
    page = client.get("/researcher/surveys")
    raw = content.encode() if isinstance(content, str) else content
    return client.post("/researcher/surveys", content_type="multipart/form-data", data={
        "csrf_token": csrf_token(page.data), "definition": (io.BytesIO(raw), filename), **options})


def review(client, slug: str, confirmed=None, classes=None, after="open"):
    page = client.get(f"/researcher/surveys/{slug}/review")
    assert page.status_code == 200, page.status_code
    names = re.findall(rb'name="confirmed" value="([a-z0-9_]+)"', page.data)
    data = {"csrf_token": csrf_token(page.data), "after": after,
            "confirmed": [n.decode() for n in names] if confirmed is None else confirmed}
    data.update({f"class-{name}": cls for name, cls in (classes or {}).items()})
    return client.post(f"/researcher/surveys/{slug}/review", data=data)


def entries(app, action: str) -> list[LedgerEntry]:
    with app.app_context():
        return db.session().scalars(select(LedgerEntry).where(LedgerEntry.action == action)
                                    .order_by(LedgerEntry.seq)).all()


def status_of(app, slug: str) -> str:
    with app.app_context():
        return db.session().scalar(select(Survey.status).where(Survey.slug == slug))


def test_an_upload_is_a_draft_that_nobody_can_answer_and_nothing_of_it_is_disclosed(app, client, login, submit,
                                                                                      make_recipient):
    token = make_recipient("Acme", surveys=())
    login("admin")
    sent = upload(client, SURVEY)
    assert sent.status_code == 302 and sent.headers["Location"].endswith("/researcher/surveys/sleep-study")
    assert status_of(app, "sleep-study") == "draft"
    page = client.get("/researcher/surveys/sleep-study")
    assert b"status-draft" in page.data and b"nothing of it is disclosed" in page.data
    assert app.test_client().get("/s/sleep-study").status_code == 409
    refused = submit("sleep-study", {"hours": 7})
    assert refused.status_code == 409 and refused.get_json()["error"] == "survey_draft"
    with app.app_context():
        from models.recipient import Recipient
        acme = db.session().scalar(select(Recipient).where(Recipient.name == "Acme"))
        acme.surveys.append(db.session().scalar(select(Survey).where(Survey.slug == "sleep-study")))
        db.commit()
    api = client.get("/api/v1/surveys/sleep-study/responses?purpose=care-quality",
                     headers={"Authorization": f"Bearer {token}"})
    assert api.status_code == 409
    listed = client.get("/api/v1/surveys", headers={"Authorization": f"Bearer {token}"}).get_json()["data"]
    assert [s["slug"] for s in listed] == []
    assert client.get("/").data.count(b"sleep-study") == 0  # not listed to respondents


def test_every_problem_of_a_file_is_shown_with_where_it_is_and_nothing_is_saved(app, client, login):
    login("admin")
    bad = SURVEY.replace("type: number", "type: numbr").replace("classification: pii", "classification: secret")
    sent = upload(client, bad)
    assert sent.status_code == 422
    text = unescape(sent.get_data(as_text=True))
    assert "2 problems" in text
    assert re.search(r"line 6.*numbr", text) and re.search(r"line 5.*secret", text)
    with app.app_context():
        assert db.session().scalar(select(func.count()).select_from(Survey).where(Survey.slug == "sleep-study")) == 0


def test_a_redcap_dictionary_needs_the_options_it_lacks_and_its_untagged_fields_are_flagged_in_review(app, client,
                                                                                                       login):
    login("admin")
    missing = upload(client, REDCAP, "intake.csv")
    assert missing.status_code == 422
    text = unescape(missing.get_data(as_text=True))
    assert "purpose: is missing: the file does not give it; give it with the Purpose of collection box" in text
    assert "slug: is missing" in text and "title: is missing" in text
    saved = upload(client, REDCAP, "intake.csv", slug="intake", title="Intake", purpose="care-quality")
    assert saved.status_code == 302 and status_of(app, "intake") == "draft"
    page = client.get("/researcher/surveys/intake/review")
    row = re.search(rb'<tr class="defaulted[^"]*">.*?</tr>', page.data, re.S).group(0)
    assert b"diagnosis" in row and b"Classified spi by the import" in row
    assert b"mood" not in row


# The test client spools a body this large to a temporary file of its own, which it leaves to the collector.
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_a_file_too_large_or_of_an_unknown_format_is_refused_plainly(client, login):
    login("admin")
    odd = upload(client, "x", "survey.txt")
    assert odd.status_code == 422 and b"is not a format surveys load reads" in odd.data
    huge = upload(client, b"a" * (10 * 1024 * 1024 + 1), "survey.yaml")
    assert huge.status_code == 422 and b"a survey definition is at most 10 MB" in huge.data
    del huge
    gc.collect()  # here, under this test's filter, not in whichever test runs next


def test_the_review_confirms_every_question_opens_the_survey_and_is_in_the_ledger(app, client, login, submit):
    login("admin")
    upload(client, SURVEY)
    partial = review(client, "sleep-study", confirmed=["nickname", "hours"])
    assert partial.status_code == 422 and b"insomnia" in partial.data and status_of(app, "sleep-study") == "draft"
    assert b'value="nickname" id="confirm-nickname"\n                checked' in partial.data  # ticks kept
    done = review(client, "sleep-study")
    assert done.status_code == 302 and status_of(app, "sleep-study") == "open"
    [entry] = entries(app, "review")
    assert entry.actor == "admin@example.org" and entry.survey == "sleep-study"
    assert "nickname=pii, hours=non_pii, insomnia=spi" in entry.note and entry.note.endswith("opened")
    assert submit("sleep-study", {"hours": 7}).status_code == 201
    with app.app_context():
        version = db.session().scalars(select(SurveyVersion)).all()[-1]
        assert (version.reviewed_by, version.reviewed_at is not None) == ("admin@example.org", True)


def test_a_class_changed_in_review_makes_a_new_version_until_answers_depend_on_it(app, client, login, submit):
    login("admin")
    upload(client, SURVEY)
    review(client, "sleep-study", classes={"nickname": "spi"})
    with app.app_context():
        survey = db.session().scalar(select(Survey).where(Survey.slug == "sleep-study"))
        assert {f.name: f.classification for f in survey.fields}["nickname"] == "spi"
        numbers = db.session().scalars(select(SurveyVersion.number).where(SurveyVersion.survey_id == survey.id)).all()
        assert sorted(numbers) == [1, 2]
    assert "changed: nickname pii → spi" in entries(app, "review")[-1].note
    submit("sleep-study", {"hours": 7})
    upload(client, SURVEY.replace("Hours slept", "Hours you slept").replace("classification: pii", "classification: spi"))
    # a new version: a draft again
    assert status_of(app, "sleep-study") == "draft"
    refused = review(client, "sleep-study", classes={"hours": "pii"})
    # With responses the class selects are disabled and carried as they are: a class sent anyway is refused.
    assert refused.status_code == 409 and b"cannot change now" in refused.data
    assert status_of(app, "sleep-study") == "draft"


def test_a_score_is_shown_with_the_classes_it_reads(client, login):
    login("admin")
    upload(client, SURVEY + "  - {name: rested, label: Rested, type: calculated, formula: 'hours * 2', "
                            "classification: non_pii}\n")
    page = client.get("/researcher/surveys/sleep-study/review")
    assert b"A score that reads hours (non_pii)" in page.data


def test_a_score_cannot_be_classed_below_what_it_reads(client, login):
    login("admin")
    upload(client, SURVEY + "  - {name: rested, label: Rested, type: calculated, formula: 'hours * 2', "
                            "classification: non_pii}\n")
    refused = review(client, "sleep-study", classes={"hours": "spi"})
    assert refused.status_code == 422 and b"rested" in refused.data


def test_only_admins_and_reviewers_review(app, client, login, runner):
    login("admin", email="boss@example.org")
    upload(client, SURVEY)
    client.post("/researcher/logout", data={"csrf_token": csrf_token(client.get("/researcher/").data)})
    login("researcher", grant="editor")
    assert client.get("/researcher/surveys/sleep-study/review").status_code == 403
    assert review_status(client) == 403
    with app.app_context():
        from models.account import Account
        db.session().scalar(select(Account).where(Account.email == "researcher@example.org")).reviewer = True
        db.commit()
    assert review(client, "sleep-study").status_code == 302 and status_of(app, "sleep-study") == "open"


def review_status(client) -> int:
    page = client.get("/researcher/surveys")
    return client.post("/researcher/surveys/sleep-study/review",
                       data={"csrf_token": csrf_token(page.data), "confirmed": ["nickname"]}).status_code


def test_closing_asks_first_and_a_draft_neither_opens_nor_closes_but_through_review(app, client, login):
    login("admin")
    page = client.get(f"/researcher/surveys/{DEMO}")
    first = client.post(f"/researcher/surveys/{DEMO}/status", data={"csrf_token": csrf_token(page.data),
                                                                    "status": "closed"})
    assert first.status_code == 200 and b"Close the survey" in first.data and status_of(app, DEMO) == "open"
    second = client.post(f"/researcher/surveys/{DEMO}/status", data={"csrf_token": csrf_token(page.data),
                                                                     "status": "closed", "confirm": "yes"})
    assert second.status_code == 302 and status_of(app, DEMO) == "closed"
    assert app.test_client().get(f"/s/{DEMO}").status_code == 409
    client.post(f"/researcher/surveys/{DEMO}/status", data={"csrf_token": csrf_token(page.data), "status": "open"})
    assert status_of(app, DEMO) == "open"
    assert [e.note for e in entries(app, "survey_status")] == ["open → closed", "closed → open"]
    upload(client, SURVEY)
    draft = client.post("/researcher/surveys/sleep-study/status", data={"csrf_token": csrf_token(page.data),
                                                                        "status": "open"})
    assert draft.status_code == 409 and status_of(app, "sleep-study") == "draft"


def test_every_version_is_kept_with_who_and_when_compared_and_downloaded_in_every_format(app, client, login):
    login("admin")
    upload(client, SURVEY)
    upload(client, SURVEY.replace("Hours slept last night", "Hours of sleep last night"))
    page = client.get("/researcher/surveys/sleep-study")
    assert page.data.count(b"by admin@example.org") >= 2 and b"from an upload of survey.yaml" in page.data
    changes = client.get("/researcher/surveys/sleep-study/versions/2/changes")
    assert changes.status_code == 200
    assert re.search(rb"<del>\xe2\x88\x92 .*Hours slept last night", changes.data)
    assert re.search(rb"<ins>\+ .*Hours of sleep last night", changes.data)
    assert client.get("/researcher/surveys/sleep-study/versions/2/changes?against=2").status_code == 200
    for fmt in ("yaml", "json", "csv", "xlsx"):
        file = client.get(f"/researcher/surveys/sleep-study/versions/1/{fmt}")
        assert file.status_code == 200 and f"sleep-study-v1.{fmt}" in file.headers["Content-Disposition"]
        spec = load_bytes(file.data, f"x.{fmt}", {"slug": "sleep-study", "purpose": "care-quality",
                                                  "title": "Sleep study"}).spec
        fields = {f.name: (f.label, f.classification) for f in spec.fields}
        assert fields["hours"] == ("Hours slept last night", "non_pii") and fields["insomnia"][1] == "spi"
    assert client.get("/researcher/surveys/sleep-study/versions/9/yaml").status_code == 404
    assert client.get("/researcher/surveys/sleep-study/versions/1/exe").status_code == 404


def test_the_command_line_load_is_recorded_as_reviewed_from_the_command_line(app, runner, tmp_path):
    path = tmp_path / "sleep.yaml"
    path.write_text(SURVEY)
    result = runner.invoke(args=["surveys", "load", str(path)])
    assert result.exit_code == 0 and status_of(app, "sleep-study") == "open"
    entry = entries(app, "survey_saved")[-1]
    assert entry.actor == "command line" and "reviewed by whoever ran the command line" in entry.note
    with app.app_context():
        version = db.session().scalars(select(SurveyVersion).order_by(SurveyVersion.id)).all()[-1]
        assert version.source == "the command line: sleep.yaml" and version.reviewed_by == "command line"


def test_a_researcher_creates_surveys_edits_those_granted_and_sees_no_others(app, client, login):
    login("researcher", grant="viewer")
    assert client.get("/researcher/surveys").data.count(b"wellbeing-demo") >= 1
    upload(client, SURVEY)
    assert status_of(app, "sleep-study") == "draft"
    assert b"sleep-study" in client.get("/researcher/surveys").data  # its uploader became its editor
    demo = (DEMO_FILE := __import__("surveys").__path__[0] + "/demo_survey.yaml")
    with open(demo) as handle:
        refused = upload(client, handle.read(), "demo.yaml")
    assert refused.status_code == 403 and b"you may not change it" in refused.data
    assert status_of(app, DEMO) == "open" and DEMO_FILE


def test_a_researcher_without_a_grant_sees_no_survey_and_is_refused_each_of_its_pages(client, login):
    login("researcher", grant=None)
    listing = client.get("/researcher/surveys")
    assert listing.status_code == 200 and b"wellbeing-demo" not in listing.data
    for path in (f"/researcher/surveys/{DEMO}", f"/researcher/surveys/{DEMO}/versions/1/yaml",
                 f"/researcher/surveys/{DEMO}/preview/", f"/researcher/surveys/{DEMO}/preview/questions",
                 f"/researcher/surveys/{DEMO}/review", f"/researcher/export/codebook/{DEMO}"):
        assert client.get(path).status_code == 403, path


@pytest.mark.parametrize("path", ["/researcher/surveys", f"/researcher/surveys/{DEMO}",
                                  f"/researcher/surveys/{DEMO}/preview/"])
def test_the_pages_ask_for_a_sign_in(client, path):
    assert client.get(path).status_code == 302


def test_nothing_reaches_the_responses_table_from_these_pages(app, client, login):
    login("admin")
    upload(client, SURVEY)
    review(client, "sleep-study")
    with app.app_context():
        assert db.session().scalar(select(func.count()).select_from(Response)) == 0


@pytest.mark.parametrize("name, raw", [
    ("noise.xlsx", bytes(range(256)) * 12), ("noise.csv", bytes(range(256)) * 12), ("list.json", b"[1, 2]"),
    ("utf16.yaml", "slug: x".encode("utf-16")), ("broken.xlsx", b"PK\x03\x04" + b"\x00" * 100), ("nameless", b"x"),
    ("empty.csv", b"")])
def test_a_file_no_importer_can_read_is_refused_with_a_reason_and_nothing_saved(app, client, login, name, raw):
    login("admin")
    sent = upload(client, raw, name)
    assert sent.status_code == 422 and b"The file was not saved" in sent.data
    with app.app_context():
        assert db.session().scalar(select(func.count()).select_from(Survey)) == 1  # the demo survey alone


def test_a_survey_changed_back_to_a_draft_is_disclosed_nowhere_until_reviewed_again(app, client, login, runner,
                                                                                     submit, make_recipient, tmp_path):
    """Its answers were given under classes a reviewer confirmed; the new version's are not confirmed yet, so the
    export page, the command, the third-party API (pages and aggregates) and the results page all refuse it."""
    token = make_recipient("Acme", surveys=(DEMO,))
    submit(DEMO, {"wellbeing": "good"})
    login("admin")
    with open(__import__("surveys").__path__[0] + "/demo_survey.yaml") as handle:
        changed = handle.read().replace("Overall, how would you rate", "All in all, how would you rate")
    assert upload(client, changed, "demo.yaml").status_code == 302 and status_of(app, DEMO) == "draft"
    page = client.get("/researcher/export")
    internal = str(recipient_id(app, "internal"))
    refused = client.post("/researcher/export/download", data={
        "csrf_token": csrf_token(page.data), "survey": DEMO, "recipient": internal, "purpose": "care-quality",
        "format": "csv", "mode": "blank"})
    assert refused.status_code == 409
    result = runner.invoke(args=["export", DEMO, "--recipient", "internal", "--purpose", "care-quality",
                                 "--format", "csv", "--output", str(tmp_path / "out.csv")])
    assert result.exit_code != 0 and not (tmp_path / "out.csv").exists()
    bearer = {"Authorization": f"Bearer {token}"}
    for path in ("responses", "aggregates"):
        assert client.get(f"/api/v1/surveys/{DEMO}/{path}?purpose=care-quality", headers=bearer).status_code == 409
    assert b"awaiting its classification review" in client.get(f"/researcher/surveys/{DEMO}/results").data
    assert [e.action for e in entries(app, "export") + entries(app, "api_page") + entries(app, "aggregate")] == []
    review(client, DEMO)
    assert client.get(f"/api/v1/surveys/{DEMO}/responses?purpose=care-quality", headers=bearer).status_code == 200
