"""The survey list, the consent step, the receipt, the privacy notice and the GPC support resource."""
from flask import jsonify, redirect, render_template, request, session, url_for

from models.consent import CONSENT_KEYS, check_consent

from .. import catalogue, db, errors, submissions
from ..languages import readable
from ..web import current_notice, gpc_signal
from . import bp
from .forms import ConsentForm, show_errors


def consent_key(slug: str) -> str:
    return f"consent:{slug}"


def refused(survey, exc: errors.NotEligible):
    session.pop(consent_key(survey.slug), None)
    return render_template("respond/refused.html", survey=readable(survey), message=exc.message), 403


@bp.get("/")
def index():
    return render_template("respond/index.html", surveys=catalogue.list_open_surveys(db.session()))


#: When this service's handling of the Global Privacy Control signal last changed.
GPC_LAST_UPDATE = "2026-11-23"


@bp.get("/.well-known/gpc.json")
def gpc_support():
    """The GPC specification's well-known resource: this site honors the signal."""
    return jsonify(gpc=True, lastUpdate=GPC_LAST_UPDATE)


@bp.get("/favicon.ico")
def favicon():
    """Browsers ask for /favicon.ico whatever a page links: the icon is the static SVG every page links."""
    return redirect(url_for("static", filename="favicon.svg"), code=301)


@bp.get("/privacy")
def privacy():
    return render_template("respond/privacy.html", notice=current_notice())


@bp.route("/s/<slug>", methods=["GET", "POST"])
def consent(slug: str):
    survey = catalogue.get_open_survey(db.session(), slug)
    form, gpc = ConsentForm(), gpc_signal()
    if not form.is_submitted() and gpc:
        form.opt_out_third_party.data = True
    staying = request.form.get("action") == "stay"  # the language switcher: the same ticks, in another language
    if not staying and form.validate_on_submit():
        given = {key: form[key].data for key in CONSENT_KEYS}
        problems = consent_problems(survey, given, gpc)
        if not problems:
            # The token makes this respondent action one submission, however often the form is sent.
            session[consent_key(slug)] = {"given": given, "gpc": gpc,
                                           "token": submissions.new_submission_token()}
            return redirect(url_for(".questions", slug=slug))
        show_errors(form, problems)
    return render_template("respond/consent.html", survey=readable(survey), form=form, gpc=gpc,
                           notice=current_notice())


def consent_problems(survey, given: dict, gpc: bool) -> dict[str, list]:
    """Every box of the consent step to mark, by its name. On this form an unticked age box is a box missed, not
    an answer, so it is marked beside the box like the others rather than refused (the API answers it 403): nothing
    is stored either way, and a birth date or an age that shows a minor is still refused on the questions."""
    try:
        submissions.accept_consent(survey, given, gpc=gpc)
    except errors.NotEligible as exc:
        # accept_consent stops at the age; the choices are checked as well, so that one sending marks them all.
        return {**check_consent(given, gpc=gpc)[1], "age_confirmed": [exc.message]}
    except errors.InvalidSubmission as exc:
        return exc.errors
    return {}


@bp.get("/s/<slug>/receipt")
def receipt(slug: str):
    shown = session.pop("receipt", None)
    survey = catalogue.respondent_survey(db.session(), slug)
    if not isinstance(shown, dict) or shown.get("slug") != slug:
        return redirect(url_for(".index"))
    code = submissions.receipt_once(db.session(), shown.get("token"))
    db.commit()  # shown once: the sealed code is gone
    return render_template("respond/receipt.html", survey=readable(survey), code=code, gpc=shown.get("gpc"))
