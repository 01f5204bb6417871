"""CSRF for every form, and response headers that keep answers out of caches."""
from flask import Flask, Response, request
from flask_wtf.csrf import CSRFProtect

csrf = CSRFProtect()  # the JSON API authenticates by header, not cookie: its blueprint is exempt


def init_app(app: Flask) -> None:
    csrf.init_app(app)
    app.after_request(no_store)


def no_store(response: Response) -> Response:
    """Every dynamic page may show answers (a re-rendered form holds what was typed), so none
    is cached by browsers or proxies; only the static files are."""
    if request.endpoint != "static":
        response.headers["Cache-Control"] = "no-store"
    return response
