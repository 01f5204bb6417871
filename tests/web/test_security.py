import re

import pytest
from sqlalchemy import select

from models.response import Response
from surveys import db
from tests.conftest import CONSENT, csrf_token

PAGES = ["/", "/s/wellbeing-demo", "/privacy", "/me", "/researcher/login", "/api/v1/openapi.json"]


@pytest.mark.parametrize("path", PAGES)
def test_every_page_sends_a_strict_content_security_policy(client, path):
    csp = client.get(path).headers["Content-Security-Policy"]
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert "frame-ancestors 'none'" in csp and "default-src 'none'" in csp and "script-src 'self'" in csp


@pytest.mark.parametrize("path", PAGES)
def test_every_page_forbids_sniffing_framing_and_leaking_referrers(client, path):
    headers = client.get(path).headers
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Referrer-Policy"] == "same-origin"


def test_hsts_only_over_https(client):
    assert "Strict-Transport-Security" not in client.get("/").headers
    secure = client.get("/", base_url="https://surveys.example.org")
    assert secure.headers["Strict-Transport-Security"].startswith("max-age=63072000")


def stored_address(app, response) -> str | None:
    assert response.status_code == 201, response.get_data(as_text=True)
    with app.app_context():
        return db.session().scalar(select(Response.client_ip).where(Response.public_id == response.get_json()["id"]))


def test_behind_a_trusted_proxy_the_forwarded_scheme_and_address_count(app, make_app):
    forwarded = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.5"}
    from_the_proxy = {"REMOTE_ADDR": "198.51.100.7"}
    body = {"answers": {"wellbeing": "good"}, "consent": CONSENT}
    proxied = make_app(PROXY_COUNT=1).test_client()
    response = proxied.get("/", headers=forwarded, environ_base=from_the_proxy)
    assert "Strict-Transport-Security" in response.headers
    submitted = proxied.post("/api/v1/surveys/wellbeing-demo/responses", json=body, headers=forwarded,
                             environ_base=from_the_proxy)
    assert stored_address(app, submitted) == "203.0.113.0"  # the client's, truncated to its /24
    # With no proxy trusted, the header is anyone's to write: the connection's address is kept.
    direct = app.test_client().post("/api/v1/surveys/wellbeing-demo/responses", json=body, headers=forwarded,
                                    environ_base=from_the_proxy)
    assert stored_address(app, direct) == "198.51.100.0"


@pytest.mark.parametrize("path", ["/", "/s/wellbeing-demo", "/me", "/researcher/login", "/api/v1/me"])
def test_dynamic_pages_are_never_cached_and_static_files_may_be(client, path):
    assert client.get(path).headers["Cache-Control"] == "no-store"
    with client.get("/static/style.css") as static:
        assert static.status_code == 200 and "no-store" not in static.headers.get("Cache-Control", "")


def test_pages_hold_no_inline_script_or_style(client, login, submit):
    receipt = submit("wellbeing-demo", {"wellbeing": "good"}).get_json()["receipt"]
    page = client.get("/me")
    client.post("/me", data={"csrf_token": csrf_token(page.data), "code": receipt})
    login("admin")
    for path in ("/", "/s/wellbeing-demo", "/me/record", "/researcher/", "/researcher/export",
                 "/researcher/recipients", "/researcher/ledger", "/researcher/erase", "/privacy"):
        html = client.get(path).get_data(as_text=True)
        scripts = re.findall(r"<script([^>]*)>(.*?)</script>", html, re.S)
        assert html.count("<script") == len(scripts), path
        assert all(re.fullmatch(r' src="/static/[a-z]+\.js"', attrs) and not body for attrs, body in scripts), path
        assert "style=" not in html and "<style" not in html, path
        assert " on" + "click=" not in html and "javascript:" not in html, path


def test_request_bodies_are_capped(app, client):
    assert app.config["MAX_CONTENT_LENGTH"] == 256 * 1024
    response = client.post("/s/wellbeing-demo", data={"x": "y" * 300_000})
    assert response.status_code == 413


def test_session_cookies_are_httponly_samesite_lax_and_secure_outside_tests(app, client, make_app):
    client.get("/s/wellbeing-demo", headers={"Sec-GPC": "1"})
    page = client.get("/s/wellbeing-demo")
    client.post("/s/wellbeing-demo", data={"csrf_token": csrf_token(page.data), "participate": "y",
                                           "age_confirmed": "y"})
    cookie = client.get_cookie("session")
    assert cookie is not None and cookie.http_only and cookie.same_site == "Lax"
    live = make_app(TESTING=False)
    assert live.config["SESSION_COOKIE_SECURE"] is True and live.config["SESSION_COOKIE_HTTPONLY"] is True
