from datetime import timedelta

from flask import redirect, render_template, request, url_for
from flask_login import current_user

from models import ledger_pages
from models.base import utcnow
from models.recipient import ApiToken
from models.response import Response
from models.survey import Survey

from .. import catalogue, db, errors, rights
from .. import recipients as third_parties
from ..inputs import row_id
from ..keys import keyring
from ..signin import admin_required
from . import bp
from .forms import ConfirmForm, EraseForm, LedgerFilterForm, RecipientForm, TokenForm


@bp.get("/ledger")
@admin_required
def ledger_page():
    session = db.session()
    form = LedgerFilterForm(request.args).fill(catalogue.list_surveys(session), third_parties.list_recipients(session))
    before = request.args.get("before", type=row_id)
    found = ledger_pages.page(session, form.filters(), before=before) if form.validate() else None
    return render_template("researcher/ledger.html", form=form, found=found, before=before)


@bp.route("/recipients", methods=["GET", "POST"])
@admin_required
def recipients():
    session = db.session()
    form = RecipientForm().fill(catalogue.list_surveys(session))
    if form.validate_on_submit():
        try:
            recipient = third_parties.create_recipient(session, keyring(), form.name.data, form.purpose_list(),
                                               form.surveys.data or [])
        except errors.DomainError as exc:
            form.refused(exc)
        else:
            db.commit()
            return redirect(url_for(".recipient", recipient_id=recipient.id))
    recipients = third_parties.list_recipients(session, with_details=True)
    return render_template("researcher/recipients.html", recipients=recipients, form=form)


@bp.route("/recipients/<int:recipient_id>", methods=["GET", "POST"])
@admin_required
def recipient(recipient_id: int):
    session = db.session()
    found = third_parties.get_recipient(session, recipient_id)
    form = RecipientForm().fill(catalogue.list_surveys(session))
    if form.validate_on_submit():
        try:
            third_parties.update_recipient(session, found, form.purpose_list(), form.surveys.data or [])
        except errors.DomainError as exc:
            form.refused(exc)
        else:
            db.commit()
            return redirect(url_for(".recipient", recipient_id=found.id))
    elif not form.is_submitted():
        form.name.data, form.purposes.data = found.name, ", ".join(found.purpose_names)
        form.surveys.data = [s.slug for s in found.surveys]
    return render_template("researcher/recipient.html", recipient=found, form=form, token_form=TokenForm(),
                           confirm=ConfirmForm(), now=utcnow())


@bp.post("/recipients/<int:recipient_id>/tokens")
@admin_required
def issue_token(recipient_id: int):
    session = db.session()
    found = third_parties.get_recipient(session, recipient_id)
    form = TokenForm()
    if not form.validate_on_submit():
        return redirect(url_for(".recipient", recipient_id=found.id))
    days = form.expires_in_days.data
    token = third_parties.issue_token(session, found, utcnow() + timedelta(days=days) if days else None)
    db.commit()
    return render_template("researcher/token.html", recipient=found, token=token)


@bp.post("/tokens/<int:token_id>/revoke")
@admin_required
def revoke_token(token_id: int):
    form = ConfirmForm()
    if not form.validate_on_submit():
        return redirect(url_for(".recipients"))
    token = third_parties.get_token(db.session(), token_id)
    if not form.confirmed and token.revoked_at is None:
        return _confirm_revocation(token)
    third_parties.revoke_token(db.session(), token.id)
    db.commit()
    return redirect(url_for(".recipient", recipient_id=token.recipient_id))


def _confirm_revocation(token: ApiToken) -> str:
    recipient, used = token.recipient, token.last_used_at
    return render_template(
        "researcher/confirm.html", title=f"Revoke this token of {recipient.name}?",
        details=[("Token", f"{token.hint}…"), ("Recipient", recipient.name),
                 ("Issued", token.created_at.strftime("%Y-%m-%d")),
                 ("Last used", used.strftime("%Y-%m-%d %H:%M UTC") if used else "never")],
        what=[f"Every request {recipient.name} makes with this token is refused from the moment you confirm; "
              "its other tokens keep working.",
              f"This cannot be undone: if {recipient.name} still needs access, issue it a new token."],
        action=url_for(".revoke_token", token_id=token.id), fields={}, button="Revoke the token",
        cancel=url_for(".recipient", recipient_id=recipient.id))


@bp.route("/erase", methods=["GET", "POST"])
@admin_required
def erase():
    form, done = EraseForm(), None
    if form.validate_on_submit():
        session = db.session()
        try:
            response = rights.find_by_public_id(session, form.public_id.data)
        except errors.NotFound as exc:
            form.public_id.errors = [exc.message]
        else:
            if not form.confirmed:
                return _confirm_erasure(form, response)
            if rights.erase(session, response, form.reason.data, current_user.email):
                db.commit()
                rights.clear_residue(db.engine())
                done = form.public_id.data.strip()
            else:
                form.public_id.errors = ["That response was erased a moment ago."]
    return render_template("researcher/erase.html", form=form, done=done)


def _confirm_erasure(form: EraseForm, response: Response) -> str:
    survey = db.session().get(Survey, response.survey_id)
    return render_template(
        "researcher/confirm.html", title="Erase this response?",
        details=[("Response id", response.public_id), ("Survey", f"{survey.title} ({survey.slug})"),
                 ("Submitted", response.submitted_at.strftime("%Y-%m-%d %H:%M UTC")), ("Why", form.reason_label)],
        what=["Its key is destroyed and the response deleted at once: nobody can read its answers again, and it is in "
              "no export, API page or count from now on.",
              "This cannot be undone.",
              "The ledger records that you erased it and why, never what it held."],
        action=url_for(".erase"), fields={"public_id": response.public_id, "reason": form.reason.data},
        button="Erase the response", cancel=url_for(".erase"))
