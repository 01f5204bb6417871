"""The plain-insert baseline the submission benchmark compares against.

Registered only with SURVEYS_BENCHMARK_ENDPOINTS=true, never in a real deployment: it
stores a body with no checks, no encryption, no consent record — the floor that the real
endpoint's safeguards are measured from."""
import json
import secrets

from flask import Blueprint, Flask, request
from sqlalchemy import insert

from models.base import utcnow
from models.response import Response

from . import db
from .security import csrf

# Under /api/ as the endpoint it is measured against: both take a JSON body through the same request checks.
bp = Blueprint("benchmark", __name__, url_prefix="/api/benchmark")
csrf.exempt(bp)


# Built once, as the real endpoint's inserts are, so the two differ only in what they do.
_INSERT = insert(Response.__table__)


@bp.post("/surveys/<int:survey_id>/plain-insert")
def plain_insert(survey_id: int):
    body = json.loads(request.get_data())
    db.session().execute(_INSERT, dict(
        public_id=secrets.token_hex(16), survey_id=survey_id, submitted_at=utcnow(), updated_at=utcnow(),
        receipt_digest=secrets.token_hex(32), non_pii=body.get("answers", {}), data_key=b"",
        opt_out_third_party=False, opt_out_other_purposes=False, spi_disclosure=False, notice_version="bench"))
    db.commit()
    return {"ok": True}, 201


def init_app(app: Flask) -> None:
    if app.config.get("BENCHMARK_ENDPOINTS"):
        app.register_blueprint(bp)
