"""The forms of the staff list and of passwords. A password field is never filled in again when a form comes back
with errors (WTForms' PasswordField leaves it empty), and each one that sets a password states the rules."""
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, Field, PasswordField, RadioField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, EqualTo

from models.survey import Survey
from models.vocabulary import StaffRole, SurveyRole

from ..accounts import PASSWORD_RULES
from ..errors import DomainError

SPI_CLEARANCE = "SPI clearance: sees sensitive answers in internal exports for a survey's own purpose"
REVIEWER = "Reviewer: may see every survey, and confirm a survey's classification, which opens it"


class StaffForm(FlaskForm):
    def refused(self, exc: DomainError, fallback: Field) -> None:
        """A use case's refusal shown inline: each message on its field, or on `fallback`."""
        for name, messages in exc.errors.items():
            field = self._fields.get(name, fallback)
            field.errors = [*field.errors, *messages]
        if not exc.errors:
            fallback.errors = [*fallback.errors, exc.message]

    @property
    def status(self) -> int:
        return 422 if self.errors else 200


class AccountForm(StaffForm):
    email = EmailField("Email", validators=[DataRequired()], render_kw={"autocomplete": "off"})
    role = RadioField("Role", default=StaffRole.RESEARCHER, choices=[
        SelectChoice(StaffRole.RESEARCHER, "Researcher: works with the surveys they are granted"),
        SelectChoice(StaffRole.ADMIN, "Administrator: everything, including this staff list")])
    spi_access = BooleanField(SPI_CLEARANCE)
    reviewer = BooleanField(REVIEWER)


class RightsForm(StaffForm):
    spi_access = BooleanField(SPI_CLEARANCE)
    reviewer = BooleanField(REVIEWER)


class DisableForm(StaffForm):
    """Sent by the confirmation page's button, which carries confirm=yes."""
    confirm = StringField()

    @property
    def confirmed(self) -> bool:
        return self.confirm.data == "yes"


NO_ROLE = "none"
ROLES = [SelectChoice(NO_ROLE, "No role"),
         SelectChoice(SurveyRole.VIEWER, "Viewer: sees it and its results"),
         SelectChoice(SurveyRole.EXPORTER, "Exporter: and exports its responses"),
         SelectChoice(SurveyRole.EDITOR, "Editor: and changes, opens and closes it")]


class RolesForm(StaffForm):
    """One choice per survey, its field named by the survey's id; a survey the form was not sent for keeps its
    role (its field keeps the default: the role held now)."""
    surveys: list[Survey]

    def chosen(self) -> dict[Survey, SurveyRole | None]:
        return {survey: None if self[f"survey_{survey.id}"].data == NO_ROLE else SurveyRole(
            self[f"survey_{survey.id}"].data) for survey in self.surveys}


def roles_form(surveys: list[Survey], held: dict[int, SurveyRole]) -> RolesForm:
    fields = {f"survey_{survey.id}": SelectField(f"{survey.title} ({survey.slug})", choices=ROLES,
                                                 default=held.get(survey.id, NO_ROLE)) for survey in surveys}
    form = type("SurveyRolesForm", (RolesForm,), fields)()
    form.surveys = surveys
    return form


class SetPasswordForm(StaffForm):
    password = PasswordField("New password", validators=[DataRequired()], description=PASSWORD_RULES,
                             render_kw={"autocomplete": "new-password"})
    repeat = PasswordField("The new password again", render_kw={"autocomplete": "new-password"}, validators=[
        DataRequired(), EqualTo("password", message="The two new passwords differ: type the same one twice.")])


class ChangePasswordForm(SetPasswordForm):
    current = PasswordField("Current password", validators=[DataRequired()],
                            render_kw={"autocomplete": "current-password"})
