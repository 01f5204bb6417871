"""What every staff page asks before it shows or changes a survey: the signed-in person's right to, from the one
place that decides it."""
from flask_login import current_user

from models.survey import Survey

from .. import access, catalogue, db


def survey_for(slug: str, action: access.Action) -> Survey:
    """The survey, if the signed-in person may do this with it; Forbidden (403) or NotFound (404) if not."""
    survey = catalogue.get_survey(db.session(), slug)
    access.require(db.session(), current_user.account, survey, action)
    return survey


def surveys_for(action: access.Action) -> list[Survey]:
    return access.visible(db.session(), current_user.account, catalogue.list_surveys(db.session()), action)
