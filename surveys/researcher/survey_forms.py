from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, RadioField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, Optional

from models.interop.loading import FORMATS

from .forms import Confirmable


class UploadForm(FlaskForm):
    definition = FileField("Definition file", validators=[FileRequired("Choose a file to upload.")],
                           description=f"{FORMATS}; at most 10 MB.")
    slug = StringField("Slug", validators=[Optional(), Length(max=64)],
                       description="Its address, /s/<slug>: lowercase letters, digits and hyphens. "
                                   "Needed when the file gives none (REDCap, XLSForm); it overrides the file's.")
    title = StringField("Title", validators=[Optional(), Length(max=200)],
                        description="Needed when the file gives none; overrides the file's.")
    purpose = StringField("Purpose of collection", validators=[Optional(), Length(max=64)],
                          description="A short key, e.g. care-quality. REDCap and XLSForm files have none.")
    purpose_description = StringField("What the purpose means", validators=[Optional(), Length(max=2000)],
                                      description="In words respondents read on the consent page.")
    skip_unsupported = BooleanField("Leave out questions this service cannot ask faithfully (file uploads, "
                                    "repeats…) and list them, instead of refusing the file")

    def options(self) -> dict[str, str | None]:
        return {key: (getattr(self, key).data or "").strip() or None
                for key in ("slug", "title", "purpose", "purpose_description")}


class StatusForm(Confirmable, FlaskForm):
    """Open or close; closing is confirmed on a second step."""
    status = RadioField(choices=[SelectChoice("open", "Open"), SelectChoice("closed", "Closed")])
