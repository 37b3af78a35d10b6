"""Referral reports: provider owners and managers see their organisation's services; administrators see every
provider. Both pages take the same filters (period sent, referring probation region) in the query string."""
from __future__ import annotations

import re
from datetime import date

from flask import redirect, render_template, request, url_for
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField
from wtforms.validators import ValidationError

from portal import policy
from portal.referrals import reports
from portal.referrals.blueprint import bp
from portal.referrals.workflow import ACHIEVEMENT

DATE = re.compile(r"^\s*(\d{1,2})[/.\- ](\d{1,2})[/.\- ](\d{4})\s*$")
ISO = re.compile(r"^\s*(\d{4})-(\d{1,2})-(\d{1,2})\s*$")


def parse_date(text: str | None) -> date | None:
    """A date typed as 1/4/2026 (day first) or 2026-04-01; None when empty; ValueError when not a real date."""
    if not (text or "").strip():
        return None
    if match := DATE.match(text):
        day, month, year = map(int, match.groups())
    elif match := ISO.match(text):
        year, month, day = map(int, match.groups())
    else:
        raise ValueError(text)
    return date(year, month, day)


class DateText:
    def __init__(self, label: str):
        self.label = label

    def __call__(self, form, field) -> None:
        try:
            parse_date(field.data)
        except ValueError:
            raise ValidationError(f"{self.label} must be a real date, like 1/4/2026") from None


class ReportFilterForm(FlaskForm):
    class Meta:
        csrf = False  # a GET form: it changes nothing

    sent_from = StringField("Sent from", validators=[DateText("The start date")])
    sent_to = StringField("Sent up to and including", validators=[DateText("The end date")])
    region = SelectField("Referring probation region", default="", validate_choice=True)

    def validate_sent_to(self, field) -> None:
        try:
            start, end = parse_date(self.sent_from.data), parse_date(field.data)
        except ValueError:
            return
        if start and end and end < start:
            raise ValidationError("The end date must be the same as or after the start date")

    def filters(self) -> reports.Filters:
        if self.errors:
            return reports.Filters()
        return reports.Filters(sent_from=parse_date(self.sent_from.data), sent_to=parse_date(self.sent_to.data),
                               region=self.region.data or None)


def _filter_form() -> ReportFilterForm:
    form = ReportFilterForm(request.args)
    form.region.choices = [("", "Every region"), *reports.probation_regions()]
    if request.args:
        form.validate()
    return form


def _charts(report: reports.Report, rows: list[reports.Row]) -> dict:
    return {
        "rates": [{"label": row.name, "values": [
            {"value": row.figures.acceptance_value(), "text": row.figures.acceptance},
            {"value": row.figures.completion_value(), "text": row.figures.completion}]} for row in rows],
        "outcomes": [{"label": row.name, "values": [
            {"value": row.figures.outcome_value(level), "text": row.figures.outcome(level)}
            for level in reports.OUTCOME_LEVELS]} for row in rows],
    }


def _render(template: str, report: reports.Report, form: ReportFilterForm, chart_rows: list[reports.Row], **more):
    status = 400 if form.errors else 200
    return render_template(template, form=form, report=report, charts=_charts(report, chart_rows),
                           achievement=ACHIEVEMENT, fewer=reports.FEWER, threshold=reports.THRESHOLD,
                           **more), status


@bp.route("/referrals/reports")
@login_required
def report():
    organisation = current_user.organisation
    policy.authorize(current_user, "referral.reports", organisation)
    if organisation is None:  # administrators: the all-providers report
        return redirect(url_for("referrals.admin_report", **request.args))
    form = _filter_form()
    built = reports.build(form.filters(), organisation)
    return _render("referrals/reports/provider.html", built, form, built.services, organisation=organisation)


@bp.route("/admin/referral-reports")
@login_required
def admin_report():
    policy.authorize(current_user, "referral.reports", None)
    form = _filter_form()
    built = reports.build(form.filters())
    return _render("referrals/reports/admin.html", built, form, built.providers)
