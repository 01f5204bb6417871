from flask import (
    Response,
    current_app,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user, login_required, login_user, logout_user

from .. import (
    access,
    accounts,
    catalogue,
    db,
    disclosures,
    errors,
    export_jobs,
    previews,
    recipients,
)
from ..charts import bars
from ..exports import WRITERS, aggregate_release, codebook
from ..jobs import jobs
from ..keys import keyring
from ..signin import StaffUser, mark_session_permanent, passwords
from . import bp, job_state
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


def _recent_jobs() -> list:
    return export_jobs.recent(current_app.extensions["surveys.sessions"], db.session(), jobs().files,
                              current_user.account)


@bp.route("/export", methods=["GET", "POST"])
@login_required
def export():
    form, preview, error = _export_form(), None, None
    if form.is_submitted() and not form.choosing and form.validate():
        try:
            preview = previews.preview(db.session(), _disclosure(form), form.mode.data)
        except (errors.Forbidden, errors.SurveyInReview) as exc:
            error = exc.message
    return render_template("researcher/export.html", form=form, preview=preview, error=error, jobs=_recent_jobs())


@bp.post("/export/download")
@login_required
def download():
    """Aggregates at once; any file format as a job, written by the job runner, and its page."""
    form = _export_form()
    if not form.validate_on_submit():
        # The export page again, each problem at its field: nothing went out and nothing was recorded.
        return render_template("researcher/export.html", form=form, preview=None, jobs=_recent_jobs(),
                               error="Nothing was exported: check the settings below and preview again."), 400
    d = _disclosure(form)
    if form.format.data == "aggregate":
        payload = aggregate_release(current_app.extensions["surveys.sessions"], keyring(), d,
                                    current_app.config["AGGREGATE_K"])
        return Response(payload, mimetype="application/json", headers={
            "Content-Disposition": f'attachment; filename="{d.survey.slug}-{d.recipient.name}-aggregates.json"'})
    job = export_jobs.start(db.session(), keyring(), current_user.account, d, form.format.data, form.mode.data,
                            current_app.config["EXPORT_HOURS"])
    db.commit()
    jobs().submit_export(job.handle)
    return redirect(url_for(".export_job", handle=job.handle))


@bp.get("/export/jobs/<string(length=32):handle>")
@login_required
def export_job(handle: str):
    recent = _recent_jobs()  # first: it puts away what is past its time, this job included
    job = export_jobs.job_for(db.session(), current_user.account, handle)
    return render_template("researcher/export_job.html", job=job, state=job_state.describe(job), jobs=recent)


@bp.get("/export/jobs/<string(length=32):handle>/status")
@login_required
def export_job_status(handle: str):
    """What the job page's script polls for its progress bar."""
    return jsonify(job_state.describe(export_jobs.job_for(db.session(), current_user.account, handle)))


@bp.post("/export/jobs/<string(length=32):handle>/file")
@login_required
def export_job_file(handle: str):
    """The file, once: it is deleted when the last byte has gone (a POST, since it changes what exists)."""
    job = export_jobs.job_for(db.session(), current_user.account, handle)
    parts = export_jobs.download(current_app.extensions["surveys.sessions"], keyring(), jobs().files, job)
    writer = WRITERS[job.format]
    return Response(parts, content_type=writer.media_type, headers={
        "Content-Length": str(job.size),
        "Content-Disposition": f'attachment; filename="{job.survey.slug}-{job.recipient.name}.{writer.extension}"'})


@bp.get("/export/codebook/<slug>")
@login_required
def codebook_csv(slug: str):
    survey = survey_for(slug, access.Action.VIEW)
    return Response(codebook(survey), content_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{slug}-codebook.csv"'})
