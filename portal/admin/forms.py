from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import Length, Optional

from portal.forms import NoControlCharacters, Required, choices, email_validators


class DecisionForm(FlaskForm):
    decision = RadioField("Decision", choices=choices([("approve", "Approve"), ("reject", "Reject")]),
                          validators=[Required("Select whether to approve or reject")])
    reason = TextAreaField("Reason (needed when rejecting; the organisation will see it)", validators=[
        Length(max=1000, message="Reason must be 1,000 characters or fewer")])


class InviteStaffForm(FlaskForm):
    name = StringField("Full name", validators=[
        Required("Enter their full name"), Length(max=200, message="Full name must be 200 characters or fewer"),
        NoControlCharacters()])
    email = StringField("Work email address", validators=email_validators("Enter their work email address"))
    role = RadioField("Role", choices=choices([("offender_manager", "Offender manager"),
                                               ("prison_staff", "Prison staff"), ("admin", "Administrator")]),
                      validators=[Required("Select their role")])
    prison = SelectField("Prison (prison staff)", choices=[], validators=[Optional()])
    probation_delivery_unit = SelectField("Probation delivery unit (offender managers)", choices=[],
                                          validators=[Optional()])
    scope = RadioField("Which referrals do they see? (offender managers)", choices=choices([
        ("unit", "Their probation delivery unit's"),
        ("region", "Every referral in the unit's probation region (a regional probation lead)")]),
        default="unit", validators=[Optional()])


class ReasonForm(FlaskForm):
    reason = TextAreaField("Reason", validators=[
        Required("Enter the reason"), Length(max=500, message="Reason must be 500 characters or fewer")])


class ProbationTeamForm(FlaskForm):
    probation_delivery_unit = SelectField("Probation delivery unit", choices=[], validators=[Optional()])
    scope = RadioField("Which referrals do they see?", choices=choices([
        ("unit", "Their probation delivery unit's"),
        ("region", "Every referral in the unit's probation region (a regional probation lead)")]),
        default="unit", validators=[Optional()])
