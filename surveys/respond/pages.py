"""The questions, a page per section: Back, Next, Finish later and resume, the logic decided by the server on
every page (logic.js only shows and hides within one)."""
from datetime import datetime, timezone

from flask import current_app, redirect, render_template, request, session, url_for
from flask_babel import gettext

from models.answering import settle, shows_minor
from models.messages import Message

from .. import catalogue, db, drafts, errors, submissions
from ..keys import keyring
from ..languages import readable, text_language
from ..ratelimit import limiter, per_address
from ..web import client_info, current_notice
from . import bp
from .forms import PREFIX, ReceiptForm, answers_form, as_form_text, show_errors, typed_answers
from .logic import neighbour, page_view, visible_page
from .views import consent_key, refused

#: "stay": the language switcher sent the page; it comes back in the other language with what was typed.
ACTIONS = ("next", "back", "later", "submit", "stay")


def _hours() -> int:
    return int(current_app.config["DRAFT_HOURS"])


def _today():
    return datetime.now(timezone.utc).date()


def _state(survey, consent) -> drafts.DraftState:
    """This browser's draft, or a new one under the consent it just gave."""
    found = drafts.load_draft(db.session(), keyring(), survey.id, consent["token"])
    return found or drafts.DraftState(consent=consent["given"], gpc=consent["gpc"], token=consent["token"])


@bp.route("/s/<slug>/questions", methods=["GET", "POST"])
@limiter.limit(per_address, methods=["POST"])
def questions(slug: str):
    survey = catalogue.get_open_survey(db.session(), slug)
    consent = session.get(consent_key(slug))
    if not isinstance(consent, dict) or "token" not in consent:
        return redirect(url_for(".consent", slug=slug))
    if request.method == "POST" and submissions.submitted_with(db.session(), consent["token"]):
        return _to_receipt(survey, consent["token"], consent["gpc"])  # stored once already; its receipt waits
    state = _state(survey, consent)
    if request.method == "GET":
        return _render(survey, state, request.args.get("page", state.page))
    page, view, _ = _page(survey, state, request.form.get("page"))
    form = answers_form(view.fields)()
    if form.validate_on_submit():
        action = request.form.get("action", "submit")
        outcome = _step(survey, state, page, view, form, action if action in ACTIONS else "submit")
        if outcome is not None:
            return outcome
    return _render(survey, state, page.name, form)


def _page(survey, state, wanted):
    """The page asked for if the answers show it, else the first; what it shows; the pages shown."""
    return page_at(survey, state.answers, wanted)


def page_at(survey, answers, wanted):
    shown = survey.instrument.resolve(answers, _today())
    visible = [page for page in survey.instrument.pages if page.name in shown.pages_shown]
    page = visible_page(survey.instrument, shown, wanted)
    return page, page_view(survey.instrument, page, answers, shown, texts=readable(survey)), visible


def _render(survey, state, wanted, form=None, errors=None):
    return questions_page(survey, state.answers, wanted, form, errors, hours=_hours())


def questions_page(survey, answers, wanted, form=None, errors=None, **context):
    """A page of questions with these answers so far: the respondent's own, or a preview's (`context` says which)."""
    page, view, visible = page_at(survey, answers, wanted)
    if form is None:
        form = answers_form(view.fields)(data={PREFIX + f.name: as_form_text(f, answers.get(f.name))
                                              for f in view.fields})
    if errors:
        show_errors(form, errors)
    index = visible.index(page)
    return render_template("respond/questions.html", survey=readable(survey), form=form, prefix=PREFIX, view=view,
                           page=view.page, number=index + 1, pages=len(visible), last=index == len(visible) - 1,
                           first=index == 0, **context)


def _step(survey, state, page, view, form, action):
    """Apply one button of one page; None re-renders the page (with its errors)."""
    sent = typed_answers(form, view.fields)
    settled = settle(survey.instrument, {**state.answers, **sent}, today=_today(), from_text=True,
                     refuse_hidden=False, check=list(sent))
    # Kept: what this page answered well, and every earlier answer the new ones still leave asked.
    state.answers = {name: value for name, value in settled.answers.items()
                     if survey.instrument.by_name[name].type != "calculated"}
    if shows_minor(survey.fields, state.answers, survey.min_age, _today()):
        return _refuse(survey, state, errors.NotEligible(
            Message("This survey is for people aged %(min_age)s or over.", min_age=survey.min_age)))
    if action == "stay":
        state.page = page.name
        drafts.save_draft(db.session(), keyring(), survey.id, state, _hours())
        db.commit()
        return _render(survey, state, page.name, form)  # what was typed, even what does not fit yet; no errors shown
    if action == "back":
        state.page = _neighbour(survey, state, page, -1)
        return _saved(survey, state)
    if action == "later":
        state.page = page.name
        code, expires = drafts.finish_later(db.session(), keyring(), survey.id, state, _hours())
        db.commit()
        return render_template("respond/later.html", survey=readable(survey), code=code, expires=expires)
    if settled.errors:
        show_errors(form, settled.errors)
        return None
    following = _neighbour(survey, state, page, +1)
    if following is not None:
        state.page = following
        return _saved(survey, state)
    return _submit(survey, state)


def _saved(survey, state):
    drafts.save_draft(db.session(), keyring(), survey.id, state, _hours())
    db.commit()
    return redirect(url_for(".questions", slug=survey.slug, page=state.page))


def _neighbour(survey, state, page, step: int):
    return neighbour(survey.instrument, state.answers, page, step, _today())


def _submit(survey, state):
    try:
        submissions.submit_once(
            db.session(), keyring(), survey, state.answers, state.consent, state.token, source="form",
            notice=current_notice(), client=client_info(), gpc=state.gpc, discard_hidden=True, language=text_language(survey))
    except errors.NotEligible as exc:
        db.session().rollback()
        return _refuse(survey, state, exc)
    except errors.InvalidSubmission as exc:
        db.session().rollback()
        # A question on another page (one a changed answer brought back) needs its answer: go there.
        first = next((p for p in survey.instrument.pages for f in p.fields if f.name in exc.errors),
                     survey.instrument.pages[0])
        state.page = first.name
        drafts.save_draft(db.session(), keyring(), survey.id, state, _hours())
        db.commit()
        return _render(survey, state, first.name, errors=exc.errors)
    except errors.AlreadySubmitted:
        db.session().rollback()  # the first post stored the response; this one shows its receipt
    else:
        drafts.discard_draft(db.session(), state.token)
        db.commit()
    return _to_receipt(survey, state.token, state.gpc)


def _to_receipt(survey, token: str, gpc: bool):
    _forget(survey)
    session["receipt"] = {"slug": survey.slug, "token": token, "gpc": gpc}
    return redirect(url_for(".receipt", slug=survey.slug))


def _refuse(survey, state, exc):
    """Nothing of a minor's is kept: not the draft either."""
    drafts.discard_draft(db.session(), state.token)
    db.commit()
    return refused(survey, exc)


def _forget(survey) -> None:
    session.pop(consent_key(survey.slug), None)


@bp.route("/s/<slug>/resume", methods=["GET", "POST"])
@limiter.limit(per_address, methods=["POST"])
def resume(slug: str):
    survey = catalogue.get_open_survey(db.session(), slug)
    form = ReceiptForm()
    if form.validate_on_submit():
        token = submissions.new_submission_token()
        state = drafts.resume(db.session(), keyring(), survey.id, form.code.data or "", token)
        if state is not None:
            db.commit()
            session[consent_key(slug)] = {"given": state.consent, "gpc": state.gpc, "token": token}
            return redirect(url_for(".questions", slug=slug, page=state.page))
        db.session().rollback()
        form.code.errors = [gettext("That code opens no saved answers here. It may be mistyped, or have expired.")]
    return render_template("respond/resume.html", survey=readable(survey), form=form), 200 if not form.errors else 422


@bp.post("/s/<slug>/leave")
def leave(slug: str):
    consent = session.pop(consent_key(slug), None)
    if isinstance(consent, dict) and isinstance(consent.get("token"), str):
        drafts.discard_draft(db.session(), consent["token"])
        db.commit()
    return render_template("respond/left.html", survey=readable(catalogue.respondent_survey(db.session(), slug)))
