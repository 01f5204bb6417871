"""Staff accounts kept in the browser: created with a one-time link to set a password, disabled and enabled,
their rights and survey roles; and each person's own password."""
import re
import threading
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select, update

from models.account import Account, PasswordLink, StaffSession
from models.base import utcnow
from models.ledger import LedgerEntry
from models.survey import Survey
from surveys import accounts, db, errors, staff
from tests.conftest import PANEL_SURVEY, PASSWORD, csrf_token, csv_rows, download, export_form, recipient_id

NEW_PASSWORD = "plum kettle violin harbour"
RULES = "At least 12 characters (at most 1024); not your email address; not a very common password"


# -- helpers ---------------------------------------------------------------------------------

def sign_in(client, email: str, password: str = PASSWORD):
    page = client.get("/researcher/login")
    return client.post("/researcher/login", data={"csrf_token": csrf_token(page.data), "email": email,
                                                  "password": password})


def create(client, email: str, role: str = "researcher", spi: bool = False, reviewer: bool = False):
    """The admin's create form sent; returns the response and the path of the link it shows."""
    page = client.get("/researcher/staff")
    data = {"csrf_token": csrf_token(page.data), "email": email, "role": role,
            **({"spi_access": "y"} if spi else {}), **({"reviewer": "y"} if reviewer else {})}
    response = client.post("/researcher/staff", data=data)
    return response, link_in(response)


def link_in(response) -> str | None:
    """The path of the set-password link a page shows, if it shows one."""
    found = re.search(r'id="link" readonly value="([^"]+)"', response.get_data(as_text=True))
    return urlsplit(found.group(1)).path if found else None


def set_password(client, path: str, password: str = PASSWORD, repeat: str | None = None):
    page = client.get(path)
    assert page.status_code == 200, page.status_code
    return client.post(path, data={"csrf_token": csrf_token(page.data), "password": password,
                                   "repeat": password if repeat is None else repeat})


def account_id(app, email: str) -> int:
    with app.app_context():
        return db.session().scalar(select(Account.id).where(Account.email == email))


def survey_id(app, slug: str) -> int:
    with app.app_context():
        return db.session().scalar(select(Survey.id).where(Survey.slug == slug))


def post_on(client, path: str, page: str | None = None, **data):
    """A POST with the CSRF token of `page` (by default the path itself, or the staff list)."""
    form = client.get(page or "/researcher/staff")
    return client.post(path, data={"csrf_token": csrf_token(form.data), **data})


def ledger_notes(app, action: str = "account") -> list[tuple[str, str]]:
    with app.app_context():
        return [(e.actor, e.note) for e in db.session().scalars(
            select(LedgerEntry).where(LedgerEntry.action == action).order_by(LedgerEntry.seq))]


@pytest.fixture
def admin(login) -> str:
    return login("admin")


@pytest.fixture
def other(app):
    """A second browser: the new person's, or a researcher's beside the admin's."""
    return app.test_client()


def new_person(client, other, email="bob@example.org", **rights) -> str:
    """An account made on the page and its password set through its link, in another browser."""
    _, link = create(client, email, **rights)
    assert set_password(other, link).status_code == 302
    return email


# -- creation and the link -------------------------------------------------------------------

def test_an_account_made_on_the_page_sets_its_password_through_its_link_once_and_then_signs_in(
        app, client, admin, other):
    response, link = create(client, "Bob@Example.org", spi=True)
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "shown only once" in html and "72 hours" in html
    assert link.startswith("/researcher/password/") and f'value="http://localhost{link}"' in html
    assert response.headers["Referrer-Policy"] == "no-referrer"
    with app.app_context():
        bob = db.session().scalar(select(Account).where(Account.email == "bob@example.org"))
        assert (bob.role, bob.spi_access, bob.reviewer, bob.active, bob.password_hash) == (
            "researcher", True, False, True, None)
    assert sign_in(other, "bob@example.org", PASSWORD).status_code == 401  # no password yet: nothing matches

    page = other.get(link)
    assert page.status_code == 200 and "bob@example.org" in page.get_data(as_text=True)
    assert RULES in page.get_data(as_text=True)
    assert page.headers["Referrer-Policy"] == "no-referrer" and page.headers["Cache-Control"] == "no-store"
    done = set_password(other, link, NEW_PASSWORD)
    assert done.status_code == 302 and done.headers["Location"].endswith("/researcher/login")
    assert done.headers["Referrer-Policy"] == "no-referrer"
    assert sign_in(other, "bob@example.org", NEW_PASSWORD).status_code == 302
    assert other.get("/researcher/").status_code == 200

    again = other.get(link)
    assert again.status_code == 404 and "cannot be used" in again.get_data(as_text=True)
    assert other.post(link, data={"csrf_token": csrf_token(page.data), "password": "another long phrase",
                                  "repeat": "another long phrase"}).status_code == 404
    assert sign_in(app.test_client(), "bob@example.org", NEW_PASSWORD).status_code == 302  # unchanged


def test_an_expired_link_is_refused_and_says_no_more_than_an_unknown_one(app, client, admin, other):
    _, link = create(client, "bob@example.org")
    page = other.get(link)
    with app.app_context():
        db.session().execute(update(PasswordLink).values(expires_at=utcnow() - timedelta(seconds=1)))
        db.commit()
    expired = other.get(link)
    sent = other.post(link, data={"csrf_token": csrf_token(page.data), "password": NEW_PASSWORD,
                                  "repeat": NEW_PASSWORD})
    unknown = other.get("/researcher/password/" + "x" * 43)
    assert expired.status_code == sent.status_code == 410 and unknown.status_code == 404
    texts = {r.get_data(as_text=True) for r in (expired, sent, unknown)}
    assert len(texts) == 1 and "bob@example.org" not in texts.pop()
    assert unknown.headers["Referrer-Policy"] == "no-referrer"
    with app.app_context():
        assert db.session().scalar(select(Account.password_hash).where(Account.email == "bob@example.org")) is None


@pytest.mark.parametrize("token", ["x" * 500, "%00abc", "..%2F..%2Fetc", "%F0%9F%92%A9" * 3])
def test_an_odd_link_is_refused_and_never_a_500(client, token):
    response = client.get("/researcher/password/" + token)
    assert response.status_code in (404, 422)  # a NUL anywhere in a request is refused before any view: 422
    assert "Set your password" not in response.get_data(as_text=True)


def test_a_new_link_ends_the_one_before(app, client, admin, other):
    _, first = create(client, "bob@example.org")
    bob = account_id(app, "bob@example.org")
    issued = post_on(client, f"/researcher/staff/{bob}/link", f"/researcher/staff/{bob}")
    second = link_in(issued)
    assert "any earlier link of this account no longer works" in issued.get_data(as_text=True)
    assert other.get(first).status_code == 404
    assert set_password(other, second).status_code == 302
    assert sign_in(other, "bob@example.org").status_code == 302


def test_a_forgotten_password_is_replaced_through_a_new_link_which_signs_the_person_out(app, client, admin, other):
    new_person(client, other)
    sign_in(other, "bob@example.org")
    assert other.get("/researcher/").status_code == 200
    bob = account_id(app, "bob@example.org")
    issued = post_on(client, f"/researcher/staff/{bob}/link", f"/researcher/staff/{bob}")
    link = link_in(issued)
    assert sign_in(app.test_client(), "bob@example.org").status_code == 302  # the old one works until the link is used
    fresh = app.test_client()
    assert set_password(fresh, link, NEW_PASSWORD).status_code == 302
    assert other.get("/researcher/").status_code == 302  # every session of the account ended
    assert sign_in(fresh, "bob@example.org").status_code == 401
    assert sign_in(fresh, "bob@example.org", NEW_PASSWORD).status_code == 302


def test_a_person_locked_out_by_failed_sign_ins_signs_in_at_once_with_the_password_a_new_link_set(
        app, client, admin, other):
    new_person(client, other)
    for _ in range(5):
        sign_in(other, "bob@example.org", "what was it again")
    assert sign_in(other, "bob@example.org").status_code == 429
    bob = account_id(app, "bob@example.org")
    issued = post_on(client, f"/researcher/staff/{bob}/link", f"/researcher/staff/{bob}")
    link = link_in(issued)
    assert set_password(other, link, NEW_PASSWORD).status_code == 302
    assert sign_in(other, "bob@example.org", NEW_PASSWORD).status_code == 302


@pytest.mark.parametrize("password, message", [
    ("short one", "Use at least 12 characters."),
    ("x" * 1025, "Use at most 1024 characters."),
    ("password1234", "one of the most common passwords"),
    ("QWERTY123456", "one of the most common passwords"),
    ("1111111111111111", "too easy to guess"),
    ("bob@example.org", "Do not use your email address"),
])
def test_the_set_password_page_states_the_rules_and_refuses_a_password_that_breaks_them(
        app, client, admin, other, password, message):
    _, link = create(client, "bob@example.org")
    refused = set_password(other, link, password)
    html = refused.get_data(as_text=True)
    assert refused.status_code == 422 and message in html and RULES in html
    assert f'value="{password}"' not in html  # what was typed is not sent back
    with app.app_context():
        assert db.session().scalar(select(Account.password_hash).where(Account.email == "bob@example.org")) is None
    assert set_password(other, link).status_code == 302  # the link still works after a refusal


def test_two_different_new_passwords_are_refused(client, admin, other):
    _, link = create(client, "bob@example.org")
    refused = set_password(other, link, NEW_PASSWORD, NEW_PASSWORD + "!")
    assert refused.status_code == 422 and "The two new passwords differ" in refused.get_data(as_text=True)


def test_the_create_form_refuses_a_bad_email_a_duplicate_or_an_unknown_role_and_stores_nothing(
        app, client, admin, count_rows):
    before = count_rows("accounts")
    for email, role, message in [("not-an-email", "researcher", "Enter an email address"),
                                 ("admin@example.org", "researcher", "There is already an account"),
                                 ("carol@example.org", "owner", "Not a valid choice")]:
        response, link = create(client, email, role)
        assert response.status_code == 422 and message in response.get_data(as_text=True) and link is None
    assert count_rows("accounts") == before and count_rows("password_links") == 0


def test_no_password_or_link_token_is_in_any_page_or_the_ledger(app, client, admin, other, count_rows):
    _, link = create(client, "bob@example.org", reviewer=True)
    token = link.rsplit("/", 1)[1]
    set_password(other, link, NEW_PASSWORD)
    sign_in(other, "bob@example.org", NEW_PASSWORD)
    change = other.get("/researcher/password")
    other.post("/researcher/password", data={"csrf_token": csrf_token(change.data), "current": NEW_PASSWORD,
                                             "password": PASSWORD + "!", "repeat": PASSWORD + "!"})
    bob = account_id(app, "bob@example.org")
    pages = [client.get(path).get_data(as_text=True) for path in
             ("/researcher/staff", f"/researcher/staff/{bob}", "/researcher/ledger")]
    with app.app_context():
        stored = db.session().scalars(select(LedgerEntry)).all()
        hashed = db.session().scalar(select(Account.password_hash).where(Account.id == bob))
    ledger_text = " ".join(f"{e.actor} {e.note}" for e in stored)
    for secret in (NEW_PASSWORD, PASSWORD + "!", token):
        assert all(secret not in page for page in pages) and secret not in ledger_text
    assert "bob@example.org changed their own password" in ledger_text
    assert hashed.startswith("$argon2id$")


# -- disabling and enabling -----------------------------------------------------------------------

def test_disabling_asks_first_then_ends_every_session_and_sign_in(app, client, admin, other):
    new_person(client, other)
    sign_in(other, "bob@example.org")
    assert other.get("/researcher/").status_code == 200
    bob = account_id(app, "bob@example.org")
    account_page = client.get(f"/researcher/staff/{bob}").get_data(as_text=True)
    assert f'href="/researcher/staff/{bob}/disable"' in account_page

    confirm = client.get(f"/researcher/staff/{bob}/disable")
    html = confirm.get_data(as_text=True)
    assert confirm.status_code == 200 and "ends every session" in html and "stops them signing in" in html
    assert 'name="confirm" value="yes"' in html and f'href="/researcher/staff/{bob}">Cancel</a>' in html
    unconfirmed = client.post(f"/researcher/staff/{bob}/disable", data={"csrf_token": csrf_token(confirm.data)})
    assert unconfirmed.status_code == 200 and "Disable bob@example.org?" in unconfirmed.get_data(as_text=True)
    assert other.get("/researcher/").status_code == 200  # nothing happened yet

    done = client.post(f"/researcher/staff/{bob}/disable", data={"csrf_token": csrf_token(confirm.data),
                                                                  "confirm": "yes"})
    assert done.status_code == 302
    assert other.get("/researcher/").status_code == 302  # signed out at once
    assert sign_in(other, "bob@example.org").status_code == 401
    with app.app_context():
        assert db.session().scalars(select(StaffSession).where(StaffSession.account_id == bob)).all() == []
    assert "no, disabled" in client.get("/researcher/staff").get_data(as_text=True)


def test_a_disabled_account_gets_no_link_and_its_unused_link_ends(app, client, admin, other):
    _, link = create(client, "bob@example.org")
    bob = account_id(app, "bob@example.org")
    post_on(client, f"/researcher/staff/{bob}/disable", f"/researcher/staff/{bob}/disable", confirm="yes")
    assert other.get(link).status_code == 404
    refused = post_on(client, f"/researcher/staff/{bob}/link", f"/researcher/staff/{bob}")
    assert refused.status_code == 409 and "enable the account" in refused.get_data(as_text=True)


def test_a_disabled_account_is_enabled_again_and_signs_in(app, client, admin, other):
    new_person(client, other)
    bob = account_id(app, "bob@example.org")
    post_on(client, f"/researcher/staff/{bob}/disable", f"/researcher/staff/{bob}/disable", confirm="yes")
    assert sign_in(other, "bob@example.org").status_code == 401
    page = client.get(f"/researcher/staff/{bob}").get_data(as_text=True)
    assert "Enable the account again" in page
    assert post_on(client, f"/researcher/staff/{bob}/enable", f"/researcher/staff/{bob}").status_code == 302
    assert sign_in(app.test_client(), "bob@example.org").status_code == 302


def test_an_admin_cannot_disable_themselves(app, client, admin):
    me = account_id(app, admin)
    assert "You cannot disable your own account" in client.get(f"/researcher/staff/{me}").get_data(as_text=True)
    page = client.get(f"/researcher/staff/{me}/disable")
    assert "You cannot disable your own account" in page.get_data(as_text=True)
    assert 'value="yes"' not in page.get_data(as_text=True)
    refused = client.post(f"/researcher/staff/{me}/disable", data={"csrf_token": csrf_token(page.data),
                                                                     "confirm": "yes"})
    assert refused.status_code == 409
    assert client.get("/researcher/staff").status_code == 200


def test_another_admin_can_be_disabled_but_never_the_last_active_one(app, client, admin, other):
    new_person(client, other, "ann@example.org", role="admin")
    ann = account_id(app, "ann@example.org")
    assert post_on(client, f"/researcher/staff/{ann}/disable", f"/researcher/staff/{ann}/disable",
                   confirm="yes").status_code == 302
    # Whoever asks (the pages let only an active admin ask, who then is not the last), the last one stays.
    with app.app_context():
        session = db.session()
        last = session.scalar(select(Account).where(Account.email == admin))
        ann_account = session.get(Account, ann)
        with pytest.raises(errors.Conflict, match="last active administrator"):
            staff.disable(session, last, ann_account)
        assert last.active


def test_two_admins_disabling_each_other_at_the_same_moment_leave_one(app, make_account):
    ids = [account_id(app, make_account(email, "admin")) for email in ("ann@example.org", "cy@example.org")]
    sessions = app.extensions["surveys.sessions"]
    first = sessions()
    ann, cy = (first.get(Account, i) for i in ids)
    staff.disable(first, cy, ann)  # not yet committed
    outcome = []

    def the_other_way():
        second = sessions()
        try:
            staff.disable(second, second.get(Account, ids[0]), second.get(Account, ids[1]))
            second.commit()
            outcome.append("disabled")
        except errors.Conflict as exc:
            outcome.append(exc.message)
        finally:
            second.close()

    racing = threading.Thread(target=the_other_way)
    racing.start()
    racing.join(timeout=1)
    assert racing.is_alive(), "the second did not wait for the first"
    first.commit()
    first.close()
    racing.join(timeout=30)
    assert outcome and "last active administrator" in outcome[0]
    with app.app_context():
        assert db.session().scalars(select(Account.email).where(Account.active.is_(True))).all() == [
            "ann@example.org"]


# -- rights and roles ----------------------------------------------------------------------------

def test_spi_clearance_granted_and_revoked_on_the_page_changes_what_an_internal_export_shows(
        app, client, admin, other, make_survey, submit):
    make_survey(PANEL_SURVEY)
    submit("panel", {"tag": "t1", "name": "Ann", "condition": "asthma"})
    new_person(client, other)
    bob = account_id(app, "bob@example.org")
    post_on(client, f"/researcher/staff/{bob}/roles", f"/researcher/staff/{bob}",
            **{f"survey_{survey_id(app, 'panel')}": "exporter"})
    sign_in(other, "bob@example.org")
    internal = str(recipient_id(app, "internal"))

    def condition() -> str:
        return csv_rows(download(other, recipient=internal, purpose="care-quality"))[0]["condition"]

    assert condition() == ""
    post_on(client, f"/researcher/staff/{bob}/rights", f"/researcher/staff/{bob}", spi_access="y")
    assert condition() == "asthma"
    assert "SPI clearance" in other.get("/researcher/").get_data(as_text=True)
    post_on(client, f"/researcher/staff/{bob}/rights", f"/researcher/staff/{bob}")
    assert condition() == ""
    assert [note for _, note in ledger_notes(app)][-2:] == ["bob@example.org: SPI clearance granted",
                                                            "bob@example.org: SPI clearance revoked"]


def test_the_reviewer_right_lets_a_researcher_without_roles_see_every_survey(app, client, admin, other):
    new_person(client, other)
    bob = account_id(app, "bob@example.org")
    sign_in(other, "bob@example.org")
    assert "wellbeing-demo" not in other.get("/researcher/").get_data(as_text=True)
    assert other.get("/researcher/export/codebook/wellbeing-demo").status_code == 403
    post_on(client, f"/researcher/staff/{bob}/rights", f"/researcher/staff/{bob}", reviewer="y")
    assert "wellbeing-demo" in other.get("/researcher/").get_data(as_text=True)
    assert other.get("/researcher/export/codebook/wellbeing-demo").status_code == 200
    assert 'value="wellbeing-demo"' not in other.get("/researcher/export").get_data(as_text=True)  # not to export
    assert ("admin@example.org", "bob@example.org: the reviewer right granted") in ledger_notes(app)


def test_survey_roles_granted_on_the_page_take_effect(app, client, admin, other, make_survey, submit):
    make_survey(PANEL_SURVEY)
    submit("panel", {"tag": "t1"})
    new_person(client, other)
    bob, panel = account_id(app, "bob@example.org"), survey_id(app, "panel")
    sign_in(other, "bob@example.org")
    internal = str(recipient_id(app, "internal"))

    def set_role(role: str) -> None:
        assert post_on(client, f"/researcher/staff/{bob}/roles", f"/researcher/staff/{bob}",
                       **{f"survey_{panel}": role}).status_code == 302

    set_role("viewer")
    assert other.get("/researcher/export/codebook/panel").status_code == 200
    assert 'value="panel"' not in other.get("/researcher/export").get_data(as_text=True)
    refused = other.post("/researcher/export/download", data=export_form(other, recipient=internal,
                                                                          purpose="care-quality"))
    assert refused.status_code == 403
    set_role("exporter")
    assert 'value="panel"' in other.get("/researcher/export").get_data(as_text=True)
    assert csv_rows(download(other, recipient=internal, purpose="care-quality"))[0]["tag"] == "t1"
    listed = client.get("/researcher/staff").get_data(as_text=True)
    assert "panel: exporter" in listed
    set_role("none")
    assert other.get("/researcher/export/codebook/panel").status_code == 403
    assert [note for _, note in ledger_notes(app, "grant")][-3:] == [
        "bob@example.org: no role → viewer", "bob@example.org: viewer → exporter",
        "bob@example.org: exporter → no role"]


def test_a_forged_role_stores_nothing_and_an_admin_has_no_roles_to_set(app, client, admin, other):
    new_person(client, other)
    bob, demo = account_id(app, "bob@example.org"), survey_id(app, "wellbeing-demo")
    response = post_on(client, f"/researcher/staff/{bob}/roles", f"/researcher/staff/{bob}",
                       **{f"survey_{demo}": "owner"})
    assert response.status_code == 302
    assert "Nothing was saved" in client.get(response.headers["Location"]).get_data(as_text=True)
    assert ledger_notes(app, "grant") == []
    me = account_id(app, admin)
    assert "needs no survey roles" in client.get(f"/researcher/staff/{me}").get_data(as_text=True)
    assert post_on(client, f"/researcher/staff/{me}/roles", f"/researcher/staff/{me}",
                   **{f"survey_{demo}": "viewer"}).status_code == 409


def test_an_unknown_account_is_a_404(client, admin):
    assert client.get("/researcher/staff/9999").status_code == 404
    assert post_on(client, "/researcher/staff/9999/enable").status_code == 404


# -- one's own password -----------------------------------------------------------------------------

def test_everyone_changes_their_own_password_and_their_other_sessions_end(app, client, login):
    email = login("researcher")
    elsewhere = app.test_client()
    sign_in(elsewhere, email)
    page = client.get("/researcher/password")
    assert page.status_code == 200 and RULES in page.get_data(as_text=True)

    def change(current: str, new: str, repeat: str | None = None):
        return client.post("/researcher/password", data={"csrf_token": csrf_token(page.data), "current": current,
                                                         "password": new, "repeat": new if repeat is None else repeat})

    wrong = change("not my password", NEW_PASSWORD)
    assert wrong.status_code == 422 and "That is not your current password" in wrong.get_data(as_text=True)
    for new, message in [("too short", "Use at least 12 characters."),
                         ("password12345", "one of the most common passwords"),
                         (email, "Do not use your email address")]:
        refused = change(PASSWORD, new)
        assert refused.status_code == 422 and message in refused.get_data(as_text=True)
        assert RULES in refused.get_data(as_text=True)
    assert change(PASSWORD, NEW_PASSWORD, "typo").status_code == 422
    assert sign_in(app.test_client(), email).status_code == 302  # nothing changed so far

    done = change(PASSWORD, NEW_PASSWORD)
    assert done.status_code == 302
    assert "Your password is changed" in client.get(done.headers["Location"]).get_data(as_text=True)
    assert client.get("/researcher/").status_code == 200  # this session goes on
    assert elsewhere.get("/researcher/").status_code == 302  # the other one ended
    assert sign_in(app.test_client(), email).status_code == 401
    assert sign_in(app.test_client(), email, NEW_PASSWORD).status_code == 302
    assert (email, f"{email} changed their own password") in ledger_notes(app)


def test_guessing_the_current_password_is_throttled_like_signing_in(app, client, login):
    email = login("researcher")
    page = client.get("/researcher/password")
    for _ in range(5):
        client.post("/researcher/password", data={"csrf_token": csrf_token(page.data), "current": "a guess",
                                                  "password": NEW_PASSWORD, "repeat": NEW_PASSWORD})
    throttled = client.post("/researcher/password", data={"csrf_token": csrf_token(page.data),
                                                          "current": PASSWORD, "password": NEW_PASSWORD,
                                                          "repeat": NEW_PASSWORD})
    assert throttled.status_code == 429
    assert sign_in(app.test_client(), email).status_code == 429


def test_the_password_page_needs_a_signed_in_person(client):
    response = client.get("/researcher/password")
    assert response.status_code == 302 and "/researcher/login" in response.headers["Location"]


def test_the_command_line_applies_the_same_password_rules(runner):
    result = runner.invoke(args=["users", "create", "c@example.org", "--role", "researcher", "--password-stdin"],
                           input="password1234\n")
    assert result.exit_code == 1 and "one of the most common passwords" in result.output
    result = runner.invoke(args=["users", "create", "c@example.org", "--role", "researcher", "--password-stdin"],
                           input="c@example.org\n")
    assert result.exit_code == 1 and "Do not use your email address" in result.output
    # What a terminal can send and a form cannot: text that argon2 could not even encode.
    assert accounts.password_problems("\ud800" * 12, "c@example.org") == [
        "Use only characters that can be typed: this one holds a NUL or an unpaired surrogate."]


# -- who may ---------------------------------------------------------------------------------------

def test_a_researcher_gets_403_on_every_admin_staff_page(app, client, login, make_account):
    make_account("bob@example.org")
    bob = account_id(app, "bob@example.org")
    login("researcher")
    for path in ("/researcher/staff", f"/researcher/staff/{bob}", f"/researcher/staff/{bob}/disable"):
        assert client.get(path).status_code == 403, path
    token = csrf_token(client.get("/researcher/password").data)
    for path in ("/researcher/staff", f"/researcher/staff/{bob}/rights", f"/researcher/staff/{bob}/roles",
                 f"/researcher/staff/{bob}/disable", f"/researcher/staff/{bob}/enable",
                 f"/researcher/staff/{bob}/link"):
        assert client.post(path, data={"csrf_token": token, "email": "eve@example.org", "role": "admin",
                                        "confirm": "yes", "spi_access": "y"}).status_code == 403, path
    with app.app_context():
        assert db.session().scalar(select(Account).where(Account.email == "eve@example.org")) is None
        bob_account = db.session().get(Account, bob)
        assert bob_account.active and not bob_account.spi_access
    assert ledger_notes(app) == []
    nav = client.get("/researcher/").get_data(as_text=True)
    assert ">Password</a>" in nav and ">Staff</a>" not in nav


def test_each_staff_action_is_one_ledger_entry_and_the_chain_holds(app, client, admin, other, runner):
    _, link = create(client, "bob@example.org", spi=True, reviewer=True)
    bob = account_id(app, "bob@example.org")
    set_password(other, link)
    sign_in(other, "bob@example.org")
    change = other.get("/researcher/password")
    other.post("/researcher/password", data={"csrf_token": csrf_token(change.data), "current": PASSWORD,
                                             "password": NEW_PASSWORD, "repeat": NEW_PASSWORD})
    post_on(client, f"/researcher/staff/{bob}/rights", f"/researcher/staff/{bob}", reviewer="y")
    post_on(client, f"/researcher/staff/{bob}/link", f"/researcher/staff/{bob}")
    post_on(client, f"/researcher/staff/{bob}/disable", f"/researcher/staff/{bob}/disable", confirm="yes")
    post_on(client, f"/researcher/staff/{bob}/enable", f"/researcher/staff/{bob}")
    assert ledger_notes(app) == [
        ("admin@example.org", "created researcher bob@example.org with SPI clearance and the reviewer right"),
        ("admin@example.org", "set-password link issued for bob@example.org (valid 72 hours); any earlier one ended"),
        ("bob@example.org", "bob@example.org set a password with a link"),
        ("bob@example.org", "bob@example.org changed their own password"),
        ("admin@example.org", "bob@example.org: SPI clearance revoked"),
        ("admin@example.org", "set-password link issued for bob@example.org (valid 72 hours); any earlier one ended"),
        ("admin@example.org", "bob@example.org disabled; 1 session(s) ended"),
        ("admin@example.org", "bob@example.org enabled"),
    ]
    assert "bob@example.org enabled" in client.get("/researcher/ledger").get_data(as_text=True)
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 0, result.output
