"""Rate limits (Flask-Limiter): submissions per address, API calls per token.

In memory by default, which is per process; set SURVEYS_RATELIMIT_STORAGE_URI to a
Redis URL (redis://127.0.0.1:6379) so that every worker and server shares the counts."""
from flask import Flask, current_app, request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

from .auth import digest

limiter = Limiter(key_func=get_remote_address)


def per_token() -> str:
    return current_app.config["RATELIMIT_PER_TOKEN"]


def per_address() -> str:
    return current_app.config["RATELIMIT_SUBMISSIONS"]


def token_key() -> str:
    _, _, token = request.headers.get("Authorization", "").partition(" ")
    return "token:" + digest(token.strip()) if token else "address:" + (request.remote_addr or "")


def init_app(app: Flask) -> None:
    limiter.init_app(app)
