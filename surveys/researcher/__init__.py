from flask import Blueprint

bp = Blueprint("researcher", __name__, url_prefix="/researcher")

from . import admin, results, review_pages, staff_pages, surveys_pages, views  # noqa: E402,F401 — routes register on bp
from .preview import bp as preview_bp  # noqa: E402,F401 — registered by create_app
