"""The surveys page: every survey a person may see, uploading a definition, one survey's status and versions."""
from flask import Response, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from models.definition import DefinitionError
from models.vocabulary import SurveyStatus

from .. import access, authoring, catalogue, db, errors, versions
from . import bp
from .common import survey_for, surveys_for
from .survey_forms import StatusForm, UploadForm

@bp.get("/surveys")
@login_required
def surveys():
    return _list(UploadForm())


def _list(form: UploadForm, problems=None, status: int = 200):
    shown = surveys_for(access.Action.VIEW)
    counts = catalogue.response_counts(db.session(), [s.id for s in shown])
    return render_template("researcher/surveys.html", surveys=shown, counts=counts, form=form,
                           problems=problems), status


@bp.post("/surveys")
@login_required
def upload():
    form = UploadForm()
    if not form.validate_on_submit():
        return _list(form, status=422)
    file = form.definition.data
    raw = file.read()
    file.close()  # a large upload sits in a temporary file until read
    try:
        done = authoring.upload(db.session(), current_user.account, raw, file.filename or "upload", form.options(),
                                form.skip_unsupported.data, option_named=lambda key: f"the {form[key].label.text} box")
    except DefinitionError as exc:
        db.session().rollback()
        return _list(form, problems=exc.problems, status=422)
    except (errors.StrandedData, errors.Forbidden) as exc:
        db.session().rollback()
        form.definition.errors = [exc.message]
        return _list(form, status=exc.status)
    db.commit()
    report = done.imported
    for line in (report.notes + [f"Left out: {s}" for s in report.skipped]) if report else []:
        flash(line)
    flash(f"Saved {done.survey.title!r} as a draft: it opens once its classification is reviewed.")
    return redirect(url_for(".survey", slug=done.survey.slug))


@bp.get("/surveys/<slug>")
@login_required
def survey(slug: str):
    found = survey_for(slug, access.Action.VIEW)
    session = db.session()
    return render_template("researcher/survey.html", survey=found, history=versions.history(session, found),
                           responses=catalogue.count_responses(session, found), form=StatusForm(),
                           may=lambda action: access.may(session, current_user.account, found, access.Action(action)),
                           formats=versions.DOWNLOADS, closing=False)


@bp.post("/surveys/<slug>/status")
@login_required
def status(slug: str):
    found, form = survey_for(slug, access.Action.EDIT), StatusForm()
    if not form.validate_on_submit():
        return redirect(url_for(".survey", slug=slug))
    wanted = SurveyStatus(form.status.data)
    if wanted == SurveyStatus.CLOSED and not form.confirmed:  # the second step says what closing does
        return render_template(
            "researcher/confirm.html", title=f"Close {found.title}?", details=[("Survey", found.slug)],
            what=["Closing it stops new responses at once: anyone in the middle of it cannot submit.",
                  "The answers already given stay: they can still be exported, and corrected by their respondents. "
                  "You can open it again later."],
            action=url_for(".status", slug=slug), fields={"status": "closed"}, button="Close the survey",
            cancel=url_for(".survey", slug=slug))
    authoring.set_status(db.session(), current_user.account, found, wanted)
    db.commit()
    flash(f"{found.title!r} is {wanted}.")
    return redirect(url_for(".survey", slug=slug))


@bp.get("/surveys/<slug>/versions/<int:number>/<fmt>")
@login_required
def version_file(slug: str, number: int, fmt: str):
    found = survey_for(slug, access.Action.VIEW)
    suffix = "." + fmt
    if suffix not in versions.DOWNLOADS:
        raise errors.NotFound(f"There is no {fmt!r} format; choose one of {', '.join(versions.DOWNLOADS)}.")
    version = versions.get_version(db.session(), found, number)
    content, _ = versions.written(versions.spec_of(version, found), suffix)
    return Response(content, mimetype="application/octet-stream", headers={
        "Content-Disposition": f'attachment; filename="{slug}-v{number}{suffix}"'})


@bp.get("/surveys/<slug>/versions/<int:number>/changes")
@login_required
def version_changes(slug: str, number: int):
    found = survey_for(slug, access.Action.VIEW)
    session = db.session()
    newer = versions.get_version(session, found, number)
    against = request.args.get("against", type=int) or number - 1
    older = versions.get_version(session, found, against)
    lines = versions.compare(versions.spec_of(older, found), versions.spec_of(newer, found))
    return render_template("researcher/version_changes.html", survey=found, older=older, newer=newer, lines=lines,
                           history=versions.history(session, found))
