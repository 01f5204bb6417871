import pytest

from tests.conftest import csrf_token

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


def test_behind_a_trusted_proxy_the_forwarded_scheme_and_address_count(app, make_app):
    response = make_app(PROXY_COUNT=1).test_client().get("/", headers={"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.5"})
    assert "Strict-Transport-Security" in response.headers


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
        assert "<script" not in html and "style=" not in html and "<style" not in html, path
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
