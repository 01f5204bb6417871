"""The classification review page: every question with its class, confirmed one by one before the survey opens."""
from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from models.vocabulary import Classification

from .. import access, catalogue, db, errors, review
from . import bp
from .common import survey_for
from .forms import ConfirmForm


@bp.route("/surveys/<slug>/review", methods=["GET", "POST"])
@login_required
def review_page(slug: str):
    found = survey_for(slug, access.Action.REVIEW)
    form, problems, message, status = ConfirmForm(), {}, None, 200
    if form.validate_on_submit():
        classes = {key.removeprefix("class-"): value for key, value in request.form.items() if key.startswith("class-")}
        try:
            review.confirm(db.session(), current_user.account, found, classes, set(request.form.getlist("confirmed")),
                           open_after=request.form.get("after") != "closed")
        except (errors.InvalidSubmission, errors.StrandedData) as exc:
            db.session().rollback()
            found = survey_for(slug, access.Action.REVIEW)
            problems, message, status = exc.errors, exc.message, exc.status
        else:
            db.commit()
            flash(f"Classification of {found.title!r} confirmed; the survey is {found.status}.")
            return redirect(url_for(".survey", slug=slug))
    return render_template("researcher/review.html", survey=found, form=form, problems=problems, message=message,
                           items=review.review_items(db.session(), found), classes=list(Classification),
                           sent=request.form if request.method == "POST" else None,
                           responses=catalogue.count_responses(db.session(), found)), status
