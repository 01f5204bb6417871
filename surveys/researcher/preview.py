"""A survey previewed exactly as a respondent sees it: the consent page, every page in every language, its logic
decided as for a respondent. Nothing is stored: the answers so far travel in the form itself, and end with it.

A blueprint of its own, so that its pages are in the respondent's language, where staff pages are English."""
import json
from datetime import datetime, timezone

from flask import Blueprint, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from models.answering import settle, shows_minor
from models.consent import CONSENT_KEYS
from models.messages import Message
from models.submission import AnswerError, clean_value

from .. import access, catalogue, db, errors, submissions
from ..languages import readable
from ..respond.forms import ConsentForm, answers_form, show_errors, typed_answers
from ..respond.logic import neighbour
from ..respond.pages import page_at, questions_page
from ..web import current_notice, gpc_signal

bp = Blueprint("preview", __name__, url_prefix="/researcher/surveys/<slug>/preview")


def _survey(slug: str):
    """The survey's read-only copy, as respondents' pages use it, once the viewer's right to see it is checked."""
    survey = catalogue.respondent_survey(db.session(), slug)
    access.require(db.session(), current_user.account, survey, access.Action.VIEW)
    return survey


def _today():
    return datetime.now(timezone.utc).date()


@bp.route("/", methods=["GET", "POST"])
@login_required
def consent(slug: str):
    survey, form, gpc = _survey(slug), ConsentForm(), gpc_signal()
    if request.form.get("action") != "stay" and form.validate_on_submit():
        try:
            submissions.accept_consent(survey, {key: form[key].data for key in CONSENT_KEYS}, gpc=gpc)
        except errors.NotEligible as exc:
            return render_template("respond/refused.html", survey=readable(survey), message=exc.message,
                                   previewing=True), 403
        except errors.InvalidSubmission as exc:
            show_errors(form, exc.errors)
        else:  # the questions' own address, which the language switcher sends the page back to
            return redirect(url_for(".questions", slug=slug))
    return render_template("respond/consent.html", survey=readable(survey), form=form, gpc=gpc,
                           notice=current_notice(), previewing=True)


@bp.route("/questions", methods=["GET", "POST"])
@login_required
def questions(slug: str):
    survey = _survey(slug)
    answers = _earlier(survey, request.form.get("earlier"))
    if request.method == "GET":
        return _render(survey, answers, request.args.get("page"))
    page, view, _ = page_at(survey, answers, request.form.get("page"))
    form = answers_form(view.fields)()
    if not form.validate_on_submit():
        return _render(survey, answers, page.name, form)
    sent = typed_answers(form, view.fields)
    settled = settle(survey.instrument, {**answers, **sent}, today=_today(), from_text=True, refuse_hidden=False,
                     check=list(sent))
    answers = _kept(survey, settled.answers)
    action = request.form.get("action")
    if shows_minor(survey.fields, answers, survey.min_age, _today()):
        return render_template("respond/refused.html", survey=readable(survey), previewing=True, message=Message(
            "This survey is for people aged %(min_age)s or over.", min_age=survey.min_age)), 403
    if action == "stay" or (settled.errors and action != "back"):
        show_errors(form, settled.errors if action != "stay" else {})
        return _render(survey, answers, page.name, form)
    following = neighbour(survey.instrument, answers, page, -1 if action == "back" else +1, _today())
    if following is not None:
        return _render(survey, answers, following)
    return _finish(survey, answers)


def _finish(survey, answers):
    """The last page sent: what a submission would store, checked as a submission is; stored nowhere."""
    final = settle(survey.instrument, answers, today=_today(), refuse_hidden=False)
    if final.errors:
        first = next((p for p in survey.instrument.pages for f in p.fields if f.name in final.errors),
                     survey.instrument.pages[0])
        return _render(survey, answers, first.name, errors=final.errors)
    shown = readable(survey)
    return render_template("researcher/preview_done.html", survey=shown, answers=final.answers,
                           fields={f.name: f for f in shown.fields}, previewing=True)


def _kept(survey, answers: dict) -> dict:
    return {name: value for name, value in answers.items() if survey.instrument.by_name[name].type != "calculated"}


def _earlier(survey, sent: str | None) -> dict:
    """The answers carried in the form, each checked again as an answer (what travels through a browser is
    anybody's to change; a value that no longer fits is dropped, as if never given)."""
    try:
        given = json.loads(sent) if sent else {}
    except ValueError:
        return {}
    kept = {}
    for name, value in (given.items() if isinstance(given, dict) else ()):
        f = survey.instrument.by_name.get(name)
        if f is None or f.type == "calculated":
            continue
        try:
            kept[name] = clean_value(f, value)
        except (AnswerError, TypeError, ValueError):
            continue
    return kept


def _render(survey, answers: dict, wanted, form=None, errors=None):
    return questions_page(survey, answers, wanted, form, errors, hours=0, previewing=True,
                          earlier=json.dumps(answers, default=str))
