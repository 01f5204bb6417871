"""The staff list, for administrators: accounts, their rights and survey roles; and each person's own password."""
from flask import Response, flash, make_response, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from models.account import Account

from .. import catalogue, db, errors, staff
from ..signin import admin_required, passwords
from . import bp
from .forms import ConfirmForm
from .staff_forms import AccountForm, ChangePasswordForm, DisableForm, RightsForm, SetPasswordForm, roles_form


@bp.route("/staff", methods=["GET", "POST"])
@admin_required
def staff_list():
    form = AccountForm()
    if form.validate_on_submit():
        try:
            account, token = staff.create_account(db.session(), form.email.data, form.role.data,
                                                  form.spi_access.data, form.reviewer.data, current_user.email)
        except errors.DomainError as exc:
            form.refused(exc, form.email)
        else:
            db.commit()
            return _link_page(account, token, created=True)
    return render_template("researcher/staff.html", members=staff.list_staff(db.session()), form=form), form.status


@bp.get("/staff/<int:account_id>")
@admin_required
def staff_account(account_id: int):
    session = db.session()
    account = staff.get_account(session, account_id)
    roles = roles_form(catalogue.list_surveys(session), staff.survey_roles(session, account))
    return render_template("researcher/staff_account.html", account=account, rights=RightsForm(obj=account),
                           roles=roles, confirm=ConfirmForm(), link_expires=staff.link_expiry(session, account),
                           refusal=staff.disable_refusal(session, account, current_user.account))


@bp.post("/staff/<int:account_id>/rights")
@admin_required
def staff_rights(account_id: int):
    account, form = staff.get_account(db.session(), account_id), RightsForm()
    if form.validate_on_submit():
        staff.set_rights(db.session(), account, form.spi_access.data, form.reviewer.data, current_user.email)
        db.commit()
        flash(f"Saved the rights of {account.email}.")
    return redirect(url_for(".staff_account", account_id=account.id))


@bp.post("/staff/<int:account_id>/roles")
@admin_required
def staff_roles(account_id: int):
    session = db.session()
    account = staff.get_account(session, account_id)
    form = roles_form(catalogue.list_surveys(session), staff.survey_roles(session, account))
    if not form.validate_on_submit():
        flash("Nothing was saved: choose one of the listed roles for each survey.")
    else:
        staff.set_roles(session, account, form.chosen(), current_user.email)
        db.commit()
        flash(f"Saved the survey roles of {account.email}.")
    return redirect(url_for(".staff_account", account_id=account.id))


@bp.route("/staff/<int:account_id>/disable", methods=["GET", "POST"])
@admin_required
def staff_disable(account_id: int):
    """A second step: a page that says what disabling does, whose button sends confirm=yes."""
    session = db.session()
    account, form = staff.get_account(session, account_id), DisableForm()
    if form.validate_on_submit() and form.confirmed:
        staff.disable(session, account, current_user.account)
        db.commit()
        flash(f"{account.email} is disabled: signed out everywhere, and cannot sign in.")
        return redirect(url_for(".staff_account", account_id=account.id))
    return render_template("researcher/staff_disable.html", account=account, form=form,
                           refusal=staff.disable_refusal(session, account, current_user.account))


@bp.post("/staff/<int:account_id>/enable")
@admin_required
def staff_enable(account_id: int):
    account = staff.get_account(db.session(), account_id)
    if ConfirmForm().validate_on_submit():
        staff.enable(db.session(), account, current_user.email)
        db.commit()
        flash(f"{account.email} is enabled again and can sign in.")
    return redirect(url_for(".staff_account", account_id=account.id))


@bp.post("/staff/<int:account_id>/link")
@admin_required
def staff_link(account_id: int):
    account = staff.get_account(db.session(), account_id)
    if not ConfirmForm().validate_on_submit():
        return redirect(url_for(".staff_account", account_id=account.id))
    token = staff.issue_link(db.session(), account, current_user.email)
    db.commit()
    return _link_page(account, token, created=False)


def _link_page(account: Account, token: str, created: bool) -> Response:
    """The link, shown this once: only its digest is kept."""
    return _private(render_template("researcher/staff_link.html", account=account, created=created,
                                    link=url_for(".set_password", token=token, _external=True),
                                    hours=staff.LINK_HOURS))


@bp.route("/password", methods=["GET", "POST"])
@login_required
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            staff.change_password(db.session(), passwords(), current_user.account, form.current.data,
                                  form.password.data, request.remote_addr or "unknown", current_user.token)
        except errors.InvalidSubmission as exc:
            db.commit()  # a wrong current password counts as a failed sign-in
            form.refused(exc, form.password)
        else:
            db.commit()
            flash("Your password is changed; any other session of yours has ended.")
            return redirect(url_for(".change_password"))
    return render_template("researcher/password.html", form=form), form.status


@bp.route("/password/<token>", methods=["GET", "POST"])
def set_password(token: str):
    """Reached from a link, signed in or not: the token is the credential, and never leaves as a referrer."""
    form = SetPasswordForm()
    try:
        account = staff.link_account(db.session(), token)
        if form.validate_on_submit():
            staff.set_password_with_link(db.session(), passwords(), token, form.password.data)
            db.commit()
            flash("Your password is set. Sign in with it.")
            return _private(redirect(url_for(".login")))
    except (errors.NotFound, errors.Expired) as exc:
        return _private(render_template("researcher/password_link.html", message=exc.message), exc.status)
    except errors.InvalidSubmission as exc:
        form.refused(exc, form.password)
    return _private(render_template("researcher/password_set.html", form=form, email=account.email), form.status)


def _private(body, status: int | None = None) -> Response:
    response = make_response(body) if status is None else make_response(body, status)
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["Cache-Control"] = "no-store"
    return response
