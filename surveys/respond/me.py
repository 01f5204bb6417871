"""Self-service: a respondent comes back with their receipt code to see, correct, download,
re-decide and withdraw what they gave."""
import json
from datetime import timedelta
from functools import wraps

from flask import Response, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext

from models.survey import Survey
from models.vocabulary import CONSENT_CHOICES, ErasureReason

from .. import catalogue, db, errors, notices, rights, self_service
from ..languages import language_name, readable
from ..api import serializers
from ..consent_receipts import consent_receipt
from ..keys import keyring
from ..ratelimit import limiter
from ..web import current_notice, gpc_signal, receipt_issuer
from . import bp
from .logic import correction_views, merged_logic
from .forms import (PREFIX, ConsentChangeForm, ReceiptForm, WithdrawForm, answers_form, as_form_text, show_errors,
                    typed_answers)
from .wording import disclosure_groups


def _signed_in():
    """The respondent's response, or None when they are not signed in, signed out or sat idle too long.
    The cookie holds only a random token; the session itself is a row on the server."""
    idle = timedelta(minutes=current_app.config["RESPONDENT_IDLE_MINUTES"])
    response = self_service.load_session(db.session(), session.get("me"), idle)
    if response is None:
        session.pop("me", None)
    return response


def me_required(view):
    @wraps(view)
    def wrapped(*args, **kwargs):
        response = _signed_in()
        if response is None:
            return redirect(url_for(".me"))
        return view(response, *args, **kwargs)
    return wrapped


@bp.route("/me", methods=["GET", "POST"])
@limiter.limit("20 per minute", methods=["POST"])
def me():
    if _signed_in() is not None:
        return redirect(url_for(".record"))
    form, error = ReceiptForm(), None
    if form.validate_on_submit():
        if not (form.code.data or "").strip():
            error = gettext("Enter the receipt code you were given when you submitted.")
        else:
            error = _open(form.code.data)
        if error is None:
            return redirect(url_for(".record"))
    return render_template("respond/me_login.html", form=form, error=error), 401 if error else 200


def _open(code: str):
    """Sign in with a receipt code; what went wrong, or None."""
    try:
        response = rights.find_by_receipt(db.session(), code)
    except errors.UnknownReceipt as exc:
        return exc.message
    session["me"] = self_service.start_session(db.session(), response)
    db.commit()
    return None


@bp.get("/me/record")
@me_required
def record(response):
    data = rights.respondent_record(db.session(), keyring(), response)
    notice = current_notice()
    changed = notices.notice_changes(db.session(), response.notice_version, notice.version, notice.text,
                                     notice.language)
    form = ConsentChangeForm(data=response.consent)
    texts = readable(catalogue.respondent_survey(db.session(), data.survey.slug))
    return render_template("respond/me.html", record=data, form=form, notice=notice, changed=changed,
                           withdraw=WithdrawForm(), gpc=gpc_signal(), gpc_set=response.opted_out_by_gpc,
                           texts=texts, answered_in=language_name(response.language),
                           disclosures=disclosure_groups(data.disclosures, texts))


@bp.post("/me/consent")
@me_required
def consent_change(response):
    form = ConsentChangeForm()
    if form.validate_on_submit():
        changes = {key: form[key].data for key in CONSENT_CHOICES}
        try:
            changed = rights.change_consent(db.session(), response, changes, source="form", notice=current_notice(),
                                            gpc=gpc_signal(), lift_confirmed=form.lift_gpc.data)
        except errors.InvalidSubmission:  # only the GPC confirmation can be missing from this form
            db.session().rollback()
            return redirect(url_for(".record", gpc="confirm", _anchor="consent-heading"))
        db.commit()
        flash(gettext("Your choices are saved.") if changed
              else gettext("Nothing changed: your choices were already these."))
    return redirect(url_for(".record"))


@bp.route("/me/answers", methods=["GET", "POST"])
@me_required
def correct(response):
    survey = db.session().get(Survey, response.survey_id)
    answers = rights.own_answers(keyring(), survey, response)
    views = correction_views(survey.instrument, answers, readable(catalogue.respondent_survey(db.session(),
                                                                                               survey.slug)))
    fields = [f for view in views for f in view.fields]
    given = {PREFIX + f.name: as_form_text(f, answers.get(f.name)) for f in fields}
    # Prefilled only when shown: on a post, an unticked checkbox group sends nothing and must mean "none".
    form = answers_form(fields)(data=given if request.method == "GET" else None)
    staying = request.form.get("action") == "stay"  # the language switcher: what was typed, not yet saved
    if not staying and form.validate_on_submit():
        try:
            outcome = rights.update_answers(db.session(), keyring(), response, typed_answers(form, fields),
                                            whole=True, from_text=True)
        except errors.InvalidSubmission as exc:
            show_errors(form, exc.errors)
        else:
            db.commit()  # corrected, or erased as a minor's with its sessions
            rights.clear_residue(db.engine())  # the answers as they were, in the write-ahead log
            if outcome is rights.Correction.ERASED_AS_MINOR:
                session.pop("me", None)
                return render_template("respond/refused.html", survey=survey,
                                       message=rights.minor_erased(survey)), 403
            flash(gettext("Your answers are saved."))
            return redirect(url_for(".record"))
    return render_template("respond/me_answers.html", survey=survey, form=form, prefix=PREFIX, views=views,
                           fields=fields, logic=merged_logic(views))


@bp.get("/me/download")
@me_required
def download(response):
    data = rights.respondent_record(db.session(), keyring(), response)
    body = serializers.respondent_export(data)
    return Response(json.dumps(body, ensure_ascii=False, indent=2), mimetype="application/json", headers={
        "Content-Disposition": f'attachment; filename="my-answers-{data.survey.slug}.json"'})


@bp.post("/me/withdraw")
@me_required
def withdraw(response):
    form = WithdrawForm()
    if form.validate_on_submit() and form.confirm.data:
        survey = db.session().get(Survey, response.survey_id)
        rights.erase(db.session(), response, ErasureReason.WITHDRAWN, "respondent")
        db.commit()
        rights.clear_residue(db.engine())
        session.pop("me", None)
        return render_template("respond/withdrawn.html", survey=survey)
    return redirect(url_for(".record", confirm="needed", _anchor="withdraw"))  # to the form, not the page's top


@bp.post("/me/leave")
def leave_me():
    self_service.end_session(db.session(), session.pop("me", None))
    db.commit()
    flash(gettext("You are signed out."))
    return redirect(url_for(".me"))


@bp.get("/me/consent-receipt")
@me_required
def download_consent_receipt(response):
    receipt = consent_receipt(db.session(), response, receipt_issuer())
    body = serializers.consent_receipt(receipt)
    return Response(json.dumps(body, ensure_ascii=False, indent=2), mimetype="application/json", headers={
        "Content-Disposition": f'attachment; filename="consent-receipt-{receipt.survey.slug}.json"'})
