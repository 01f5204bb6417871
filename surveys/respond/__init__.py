from flask import Blueprint

bp = Blueprint("respond", __name__)

from . import me, pages, views, wording  # noqa: E402,F401 — routes register on bp
