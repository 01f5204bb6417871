from flask import jsonify, request

from models.consent import check_consent_change
from models.survey import Survey
from models.vocabulary import ErasureReason

from .. import catalogue, db, errors, rights, submissions
from ..consent_receipts import consent_receipt
from ..inputs import json_body
from ..keys import keyring
from ..ratelimit import limiter, per_address
from ..security import csrf
from ..web import client_info, current_notice, gpc_signal, receipt_issuer
from . import bp, openapi, serializers

csrf.exempt(bp)


def only_keys(body: dict, allowed: tuple[str, ...]) -> None:
    unknown = {key: [f"Unknown key; send {' and/or '.join(allowed)}."] for key in body if key not in allowed}
    if unknown or not body:
        raise errors.InvalidSubmission("The body has unknown keys." if unknown else "The body is empty.",
                                         unknown or {"body": [f"Expected {' and/or '.join(allowed)}."]})


@bp.post("/surveys/<slug>/responses")
@limiter.limit(per_address)
def submit_response(slug: str):
    survey = catalogue.get_open_survey(db.session(), slug, held=True)  # its version checked by the insert
    body = json_body()
    only_keys(body, ("answers", "consent", "language"))
    submitted = submissions.submit(
        db.session(), keyring(), survey, body.get("answers", {}), body.get("consent"),
        source="api", notice=current_notice(), client=client_info(), gpc=gpc_signal(), language=body.get("language"))
    db.commit()
    return jsonify(serializers.submitted(submitted)), 201


def _me():
    return rights.find_by_receipt(db.session(), request.headers.get("X-Receipt"))


@bp.get("/me")
def me():
    record = rights.respondent_record(db.session(), keyring(), _me())
    return jsonify(serializers.respondent_record(record))


@bp.patch("/me")
def update_me():
    response, body = _me(), json_body()
    only_keys(body, ("answers", "consent"))
    changes, problems = check_consent_change(body.get("consent", {}))
    if problems:
        raise errors.InvalidSubmission("Some consent choices need attention.", problems)
    if "answers" in body:
        if rights.update_answers(db.session(), keyring(), response, body["answers"],
                                 whole=False) is rights.Correction.ERASED_AS_MINOR:
            db.commit()
            rights.clear_residue(db.engine())
            raise errors.NotEligible(rights.minor_erased(db.session().get(Survey, response.survey_id)))
    notice = current_notice()
    # A PATCH is itself an explicit choice on the respondent's record, unless it carries the signal.
    rights.change_consent(db.session(), response, changes, source="api", notice=notice, gpc=gpc_signal(),
                          lift_confirmed=not gpc_signal())
    db.commit()
    if "answers" in body:
        rights.clear_residue(db.engine())  # the answers as they were, in the write-ahead log
    return jsonify(serializers.respondent_record(rights.respondent_record(db.session(), keyring(), response)))


@bp.delete("/me")
def delete_me():
    if not rights.erase(db.session(), _me(), ErasureReason.WITHDRAWN, "respondent"):
        raise errors.UnknownReceipt("That response is already erased.")
    db.commit()
    rights.clear_residue(db.engine())
    return "", 204


@bp.get("/openapi.json")
def openapi_document():
    return jsonify(openapi.document())


@bp.get("/me/consent-receipt")
def my_consent_receipt():
    receipt = consent_receipt(db.session(), _me(), receipt_issuer())
    return jsonify(serializers.consent_receipt(receipt))
