from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api/v1")

from . import third_party, views  # noqa: E402,F401 — routes register on bp
