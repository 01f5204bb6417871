from flask import Blueprint

bp = Blueprint("researcher", __name__, url_prefix="/researcher")

from . import admin, results, views  # noqa: E402,F401 — routes register on bp
