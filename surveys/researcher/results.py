"""The results page: each question's answers charted, as the person viewing may see them for the survey's own
purpose."""
from flask import current_app, render_template, request
from flask_login import current_user, login_required

from .. import access, db, errors
from ..charts import hbars, histogram
from ..keys import keyring
from ..results import period, survey_results
from . import bp
from .common import survey_for


@bp.get("/surveys/<slug>/results")
@login_required
def results(slug: str):
    survey = survey_for(slug, access.Action.VIEW)
    dates = {key: request.args.get(key, "") for key in ("from", "to")}
    shown, problem, status = None, None, 200
    try:
        when = period(dates["from"], dates["to"])
        shown = survey_results(db.session(), current_app.extensions["surveys.sessions"], keyring(), survey,
                               current_user.email, current_user.spi_access, current_app.config["AGGREGATE_K"], when)
    except errors.InvalidSubmission as exc:
        problem, status = exc, 400
    except errors.SurveyInReview as exc:  # a draft discloses nothing: there is nothing to chart
        problem = exc
    return render_template("researcher/results.html", survey=survey, dates=dates, results=shown, problem=problem,
                           hbars=hbars, histogram=histogram), status
