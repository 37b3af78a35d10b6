from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import RadioField, TextAreaField
from wtforms.validators import Length

from portal.forms import Required, choices


class DecisionForm(FlaskForm):
    decision = RadioField("Decision", choices=choices([("approve", "Approve"), ("reject", "Reject")]),
                          validators=[Required("Select whether to approve or reject")])
    reason = TextAreaField("Reason (needed when rejecting; the organisation will see it)", validators=[
        Length(max=1000, message="Reason must be 1,000 characters or fewer")])
