"""Account forms, worded as the GOV.UK Design System advises."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import PasswordField, RadioField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import Length, Optional, Regexp

from portal.accounts.roles import OrgKind, OrgRole
from portal.forms import NoControlCharacters, Required, choices, email_validators
from portal.reference.data import CONTRACT_PACKAGE_AREAS, REGIONS, SECTORS


class SignInForm(FlaskForm):
    email = StringField("Email address", validators=email_validators())
    password = PasswordField("Password", validators=[Required("Enter your password"), Length(max=256)])


class CodeForm(FlaskForm):
    code = StringField("Code from your authenticator app", validators=[
        Required("Enter the 6-digit code from your authenticator app"),
        Regexp(r"^\s*\d{3}\s?\d{3}\s*$", message="Enter the code as 6 digits, like 123456"),
    ])


class SignInCodeForm(FlaskForm):
    code = StringField("Code from your authenticator app", validators=[
        Required("Enter the 6-digit code from your authenticator app, or a recovery code"),
        Regexp(r"^\s*(\d{3}\s?\d{3}|[A-Za-z0-9]{4}-?[A-Za-z0-9]{4}-?[A-Za-z0-9]{4})\s*$",
               message="Enter the code as 6 digits, like 123456, or a recovery code, like k7dm-q2xw-9pfa"),
    ])


class EnrolForm(FlaskForm):
    """Set up two-factor authentication from the emailed link; invited accounts choose their password too."""
    password = PasswordField("Create a password", validators=[Optional(), Length(max=256)])
    code = CodeForm.code


class RegisterForm(FlaskForm):
    organisation_name = StringField("Organisation name", validators=[
        Required("Enter the name of your organisation"),
        Length(max=200, message="Organisation name must be 200 characters or fewer"), NoControlCharacters()])
    kind = RadioField("What does your organisation do in the portal?",
                      choices=choices((k.value, k.label) for k in OrgKind),
                      validators=[Required("Select what your organisation does in the portal")])
    sector = RadioField("Sector", choices=choices(SECTORS), validators=[Required("Select your organisation's sector")])
    charity_number = StringField("Charity number (optional)", validators=[
        Optional(), Length(max=12, message="Charity number must be 12 characters or fewer")])
    company_number = StringField("Company number (optional)", validators=[
        Optional(), Length(max=12, message="Company number must be 12 characters or fewer")])
    regions = SelectMultipleField("Regions you work in", choices=choices(REGIONS),
                                  validators=[Required("Select at least one region you work in")])
    contract_package_areas = SelectMultipleField(
        "Contract package areas you work in (optional)", choices=choices((s, n) for s, n, _ in CONTRACT_PACKAGE_AREAS))
    description = TextAreaField("What your organisation does (optional)", validators=[
        Optional(), Length(max=2000, message="Description must be 2,000 characters or fewer")])
    name = StringField("Your full name", validators=[
        Required("Enter your full name"), Length(max=200, message="Full name must be 200 characters or fewer"),
        NoControlCharacters()])
    email = StringField("Your work email address", validators=email_validators("Enter your work email address"))
    password = PasswordField("Create a password", validators=[Required("Enter a password"), Length(max=256)])


class IdentifiersForm(FlaskForm):
    """An organisation's charity and company numbers, recorded or changed after registration."""
    charity_number = StringField("Registered charity number (optional)", validators=[
        Optional(), Length(max=12, message="Charity number must be 12 characters or fewer")])
    company_number = StringField("Company number (optional)", validators=[
        Optional(), Length(max=12, message="Company number must be 12 characters or fewer")])


class EmailForm(FlaskForm):
    email = StringField("Email address", validators=email_validators())


class NewPasswordForm(FlaskForm):
    password = PasswordField("New password", validators=[Required("Enter a new password"), Length(max=256)])


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField("Current password", validators=[Required("Enter your current password")])
    new_password = PasswordField("New password", validators=[Required("Enter a new password"), Length(max=256)])


class InviteForm(FlaskForm):
    email = StringField("Email address", validators=email_validators("Enter your colleague's email address"))
    org_role = RadioField("Their role", choices=choices((r.value, r.label) for r in OrgRole),
                          validators=[Required("Select their role")])


class AcceptInvitationForm(FlaskForm):
    name = StringField("Your full name", validators=[
        Required("Enter your full name"), Length(max=200, message="Full name must be 200 characters or fewer"),
        NoControlCharacters()])
    password = PasswordField("Create a password", validators=[Required("Enter a password"), Length(max=256)])


class ApiTokenForm(FlaskForm):
    name = StringField("Token name", validators=[
        Required("Enter a name for the token, such as the system that will use it"),
        Length(max=100, message="Token name must be 100 characters or fewer"), NoControlCharacters()])


class ConfirmForm(FlaskForm):
    """A form with nothing but its CSRF token, for one-button actions."""
