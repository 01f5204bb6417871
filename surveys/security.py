"""CSRF for every form, and the response headers that keep pages and answers safe."""
from flask import Flask, Response, request
from flask_wtf.csrf import CSRFProtect
from werkzeug.middleware.proxy_fix import ProxyFix

csrf = CSRFProtect()  # the JSON API authenticates by header, not cookie: its blueprint is exempt

# Every script, style and image is our own file; no inline code of any kind runs.
CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
       "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")

HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), interest-cohort=()",
    "Cross-Origin-Opener-Policy": "same-origin",
}


def init_app(app: Flask) -> None:
    csrf.init_app(app)
    app.after_request(secure_headers)
    if app.config["PROXY_COUNT"]:
        # Behind N trusted proxies: take the client address and scheme from their headers.
        count = app.config["PROXY_COUNT"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count, x_host=count)


def secure_headers(response: Response) -> Response:
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
    if request.is_secure:
        response.headers["Strict-Transport-Security"] = "max-age=63072000; includeSubDomains"
    # Every dynamic page may show answers (a re-rendered form holds what was typed), so none
    # is cached by browsers or proxies; only the static files are.
    if request.endpoint != "static":
        response.headers["Cache-Control"] = "no-store"
    return response
