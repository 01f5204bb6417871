from datetime import timedelta

from sqlalchemy import select, update

from models.account import Account, StaffSession
from models.base import utcnow
from surveys import db
from tests.conftest import PASSWORD, csrf_token


def post_login(client, email, password):
    page = client.get("/researcher/login")
    return client.post("/researcher/login", data={"csrf_token": csrf_token(page.data), "email": email,
                                                  "password": password})


def test_users_create_stores_an_argon2id_hash_never_the_password(app, make_account):
    make_account("ann@example.org", "admin", spi=True)
    with app.app_context():
        account = db.session().scalar(select(Account).where(Account.email == "ann@example.org"))
        assert account.password_hash.startswith("$argon2id$") and PASSWORD not in account.password_hash
        assert (account.role, account.spi_access) == ("admin", True)


def test_users_create_refuses_a_short_password_or_a_duplicate(runner, make_account):
    result = runner.invoke(args=["users", "create", "a@example.org", "--role", "researcher", "--password-stdin"],
                           input="short\n")
    assert result.exit_code == 1 and "at least 12 characters" in result.output
    make_account("b@example.org")
    result = runner.invoke(args=["users", "create", "b@example.org", "--role", "admin", "--password-stdin"],
                           input=PASSWORD + "\n")
    assert result.exit_code == 1 and "already an account" in result.output


def test_staff_pages_need_a_signed_in_account(client):
    for path in ("/researcher/", "/researcher/export", "/researcher/ledger", "/researcher/recipients"):
        response = client.get(path)
        assert response.status_code == 302 and "/researcher/login" in response.headers["Location"]


def test_a_researcher_signs_in_and_sees_the_dashboard(client, login, submit):
    submit("wellbeing-demo", {"wellbeing": "good"}, {"opt_out_third_party": True})
    login()
    html = client.get("/researcher/").get_data(as_text=True)
    assert "Patient wellbeing survey (demo)" in html
    assert '<strong class="responses">1</strong>' in html
    assert "<svg" in html and "Responses per day" in html and "100%" in html


def test_the_login_form_needs_its_csrf_token(client, make_account):
    make_account("c@example.org")
    response = client.post("/researcher/login", data={"email": "c@example.org", "password": PASSWORD})
    assert response.status_code == 400
    assert client.get("/researcher/").status_code == 302


def test_a_wrong_password_is_refused_without_saying_which_part_was_wrong(client, make_account):
    make_account("d@example.org")
    wrong = post_login(client, "d@example.org", "not the password")
    unknown = post_login(client, "nobody@example.org", PASSWORD)
    assert wrong.status_code == unknown.status_code == 401
    assert "do not match an account" in wrong.get_data(as_text=True)
    assert client.get("/researcher/").status_code == 302


def test_failed_logins_are_rate_limited(client, make_account):
    make_account("e@example.org")
    for _ in range(5):
        assert post_login(client, "e@example.org", "guess").status_code == 401
    throttled = post_login(client, "e@example.org", PASSWORD)  # even the right password waits
    assert throttled.status_code == 429 and int(throttled.headers["Retry-After"]) > 0
    assert "Too many failed sign-ins" in throttled.get_data(as_text=True)


def test_the_session_cookie_is_httponly_samesite_lax_and_secure_outside_debug(app, client, login, make_app):
    login()
    cookie = client.get_cookie("session")
    assert cookie.http_only and cookie.same_site == "Lax"
    assert app.config["SESSION_COOKIE_SECURE"] is False  # tests run as TESTING
    production = make_app(TESTING=False)
    assert production.config["SESSION_COOKIE_SECURE"] is True


def test_logout_ends_the_session_on_the_server(app, client, login):
    login()
    cookie = client.get_cookie("session").value
    page = client.get("/researcher/")
    client.post("/researcher/logout", data={"csrf_token": csrf_token(page.data)})
    with app.app_context():
        assert db.session().scalars(select(StaffSession)).all() == []
    client.set_cookie("session", cookie)  # replaying the old cookie does not help
    assert client.get("/researcher/").status_code == 302


def test_an_idle_session_expires(app, client, login):
    login()
    assert client.get("/researcher/").status_code == 200
    with app.app_context():
        db.session().execute(update(StaffSession).values(last_seen_at=utcnow() - timedelta(minutes=31)))
        db.commit()
    assert client.get("/researcher/").status_code == 302


def test_admin_pages_are_for_admins(client, login):
    login("researcher")
    assert client.get("/researcher/ledger").status_code == 403
    assert client.get("/researcher/recipients").status_code == 403


def test_recipients_create_prints_the_token_last_and_stores_only_its_digest(app, runner):
    result = runner.invoke(args=["recipients", "create", "Acme", "--purpose", "research", "--purpose",
                                 "care-quality", "--survey", "wellbeing-demo"])
    assert result.exit_code == 0
    token = result.output.strip().splitlines()[-1]
    assert token.startswith("svy_") and len(token) >= 40
    from models.recipient import ApiToken, Recipient
    with app.app_context():
        session = db.session()
        stored = session.scalars(select(ApiToken.digest)).all()
        assert token not in str(stored) and len(stored) == 1
        acme = session.scalar(select(Recipient).where(Recipient.name == "Acme"))
        assert acme.purpose_names == ["care-quality", "research"] and [s.slug for s in acme.surveys] == [
            "wellbeing-demo"]


def test_recipients_create_refuses_bad_input(runner):
    assert runner.invoke(args=["recipients", "create", "X", "--purpose", "Bad Purpose!"]).exit_code == 1
    assert runner.invoke(args=["recipients", "create", "X", "--purpose", "p", "--survey", "nope"]).exit_code == 1
    assert runner.invoke(args=["recipients", "create", "internal", "--purpose", "p"]).exit_code == 1


def test_admins_register_recipients_and_issue_and_revoke_tokens(app, client, login):
    login("admin")
    page = client.get("/researcher/recipients")
    assert "internal" in page.get_data(as_text=True)
    response = client.post("/researcher/recipients", data={
        "csrf_token": csrf_token(page.data), "name": "Beta Labs", "purposes": "research, care-quality",
        "surveys": ["wellbeing-demo"]})
    assert response.status_code == 302
    detail = client.get(response.headers["Location"])
    assert "care-quality, research" in detail.get_data(as_text=True)
    issued = client.post(response.headers["Location"] + "/tokens", data={"csrf_token": csrf_token(detail.data),
                                                                         "expires_in_days": "30"})
    token = issued.get_data(as_text=True).split('id="token">')[1].split("<")[0]
    assert token.startswith("svy_") and "shown only once" in issued.get_data(as_text=True)
    from models.recipient import ApiToken
    from surveys import recipients
    with app.app_context():
        assert recipients.recipient_for_token(db.session(), token).name == "Beta Labs"
        token_id = db.session().scalar(select(ApiToken.id))
    detail = client.get(response.headers["Location"])
    asked = client.post(f"/researcher/tokens/{token_id}/revoke", data={"csrf_token": csrf_token(detail.data)})
    client.post(f"/researcher/tokens/{token_id}/revoke", data={"csrf_token": csrf_token(asked.data), "confirm": "yes"})
    with app.app_context():
        assert recipients.recipient_for_token(db.session(), token) is None
    assert "revoked" in client.get(response.headers["Location"]).get_data(as_text=True)


def test_the_dashboard_counts_each_survey_apart_in_a_fixed_number_of_queries(app, make_survey, submit):
    from sqlalchemy import event

    from surveys import catalogue, db
    for slug in ("one", "two", "three"):
        make_survey(f"slug: {slug}\ntitle: {slug}\npurpose: care-quality\nfields:\n"
                    "  - {name: mood, type: text, classification: non_pii}\n")
    submit("one", {"mood": "a"}, {"opt_out_third_party": True, "spi_disclosure": True})
    submit("one", {"mood": "b"}, {"opt_out_other_purposes": True})
    submit("two", {"mood": "c"})
    statements = []
    engine = app.extensions["surveys.engine"]
    count = lambda *args: statements.append(args[2])  # noqa: E731
    event.listen(engine, "before_cursor_execute", count)
    try:
        with app.app_context():
            overviews = {o.survey.slug: o for o in catalogue.survey_overviews(db.session(), catalogue.list_surveys(db.session()))}
    finally:
        event.remove(engine, "before_cursor_execute", count)
    figures = {slug: (o.responses, o.opted_out_third_party, o.opted_out_other_purposes, o.spi_consent,
                      sum(n for _, n in o.per_day)) for slug, o in overviews.items()}
    assert figures == {"one": (2, 1, 1, 1, 2), "two": (1, 0, 0, 0, 1), "three": (0, 0, 0, 0, 0),
                       "wellbeing-demo": (0, 0, 0, 0, 0)}
    assert len(statements) == 3  # the surveys, their totals, their days: not two per survey
