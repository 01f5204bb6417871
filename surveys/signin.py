"""Staff sign-in through Flask-Login. The id Flask-Login keeps in the cookie is a random
session token whose digest lives in staff_sessions, so sign-out and idle expiry end the
session on the server as well as in the browser."""
from datetime import timedelta
from functools import wraps

from flask import Flask, abort, current_app, session
from flask_login import LoginManager, current_user

from models.account import Account

from . import accounts, db
from .auth import Passwords

login_manager = LoginManager()
login_manager.login_view = "researcher.login"
login_manager.login_message = "Please sign in to continue."
login_manager.session_protection = "strong"


class StaffUser:
    """The signed-in account, as Flask-Login sees it."""
    is_authenticated, is_active, is_anonymous = True, True, False

    def __init__(self, account: Account, token: str):
        self.account, self.token = account, token

    def get_id(self) -> str:
        return self.token

    @property
    def email(self) -> str:
        return self.account.email

    @property
    def is_admin(self) -> bool:
        return self.account.is_admin

    @property
    def spi_access(self) -> bool:
        return self.account.spi_access


@login_manager.user_loader
def load_user(token: str):
    idle = timedelta(minutes=current_app.config["STAFF_IDLE_MINUTES"])
    account = accounts.load_session(db.session(), token, idle)
    if account is None:
        return None
    return StaffUser(account, token)


def admin_required(view):
    @wraps(view)
    def wrapped(*args, **kwargs):
        if not current_user.is_authenticated:
            return login_manager.unauthorized()
        if not current_user.is_admin:
            abort(403, "This page is for administrators.")
        return view(*args, **kwargs)
    return wrapped


def passwords() -> Passwords:
    return current_app.extensions["surveys.passwords"]


def init_app(app: Flask) -> None:
    login_manager.init_app(app)
    app.extensions["surveys.passwords"] = Passwords(**app.config["PASSWORD_HASHING"])
    app.permanent_session_lifetime = timedelta(minutes=app.config["STAFF_IDLE_MINUTES"])


def mark_session_permanent() -> None:
    session.permanent = True
