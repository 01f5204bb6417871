from flask import Response, current_app, redirect, render_template, request, stream_with_context, url_for
from flask_login import current_user, login_required, login_user, logout_user

from .. import access, accounts, catalogue, db, disclosures, errors, recipients
from ..charts import bars
from ..exports import WRITERS, aggregate_release, codebook, export_stream
from ..keys import keyring
from ..signin import StaffUser, mark_session_permanent, passwords
from . import bp
from .common import survey_for, surveys_for
from .forms import ConfirmForm, ExportForm, LoginForm


@bp.route("/login", methods=["GET", "POST"])
def login():
    form = LoginForm()
    if form.validate_on_submit():
        try:
            account = accounts.authenticate(db.session(), passwords(), form.email.data, form.password.data,
                                         request.remote_addr or "unknown")
        except errors.LoginThrottled as exc:
            db.commit()
            return render_template("researcher/login.html", form=form, error=exc.message), 429, {
                "Retry-After": str(exc.retry_after)}
        except errors.LoginFailed as exc:
            db.commit()  # the failed attempt counts
            return render_template("researcher/login.html", form=form, error=exc.message), 401
        token = accounts.start_session(db.session(), account)
        db.commit()
        mark_session_permanent()
        login_user(StaffUser(account, token))
        return redirect(url_for(".dashboard"))
    return render_template("researcher/login.html", form=form)


@bp.post("/logout")
@login_required
def logout():
    if ConfirmForm().validate_on_submit():
        accounts.end_session(db.session(), current_user.token)
        db.commit()
        logout_user()
    return redirect(url_for(".login"))


@bp.get("/")
@login_required
def dashboard():
    overviews = catalogue.survey_overviews(db.session(), surveys_for(access.Action.VIEW))
    return render_template("researcher/dashboard.html", overviews=overviews, bars=bars)


def _export_form() -> ExportForm:
    session = db.session()
    return ExportForm().fill(surveys_for(access.Action.EXPORT), recipients.list_recipients(session, with_details=True))


def _disclosure(form: ExportForm) -> disclosures.Disclosure:
    survey = survey_for(form.survey.data, access.Action.EXPORT)
    recipient = recipients.get_recipient(db.session(), form.recipient.data)
    return disclosures.prepare(survey, recipient, form.purpose.data, current_user.email,
                               spi_clearance=current_user.spi_access)


@bp.route("/export", methods=["GET", "POST"])
@login_required
def export():
    form, preview, error = _export_form(), None, None
    if form.is_submitted() and not form.choosing and form.validate():
        try:
            preview = disclosures.preview(db.session(), _disclosure(form), form.mode.data)
        except (errors.Forbidden, errors.SurveyInReview) as exc:
            error = exc.message
    return render_template("researcher/export.html", form=form, preview=preview, error=error)


@bp.post("/export/download")
@login_required
def download():
    form = _export_form()
    if not form.validate_on_submit():
        # The export page again, each problem at its field: nothing went out and nothing was recorded.
        return render_template("researcher/export.html", form=form, preview=None,
                               error="Nothing was downloaded: check the settings below and preview again."), 400
    d = _disclosure(form)
    sessions, name = current_app.extensions["surveys.sessions"], f"{d.survey.slug}-{d.recipient.name}"
    if form.format.data == "aggregate":
        payload = aggregate_release(sessions, keyring(), d, current_app.config["AGGREGATE_K"])
        return Response(payload, mimetype="application/json",
                        headers={"Content-Disposition": f'attachment; filename="{name}-aggregates.json"'})
    writer = WRITERS[form.format.data]
    stream = export_stream(sessions, keyring(), d, form.format.data, form.mode.data)
    return Response(stream_with_context(stream), content_type=writer.media_type,
                    headers={"Content-Disposition": f'attachment; filename="{name}.{writer.extension}"'})


@bp.get("/export/codebook/<slug>")
@login_required
def codebook_csv(slug: str):
    survey = survey_for(slug, access.Action.VIEW)
    return Response(codebook(survey), content_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{slug}-codebook.csv"'})
