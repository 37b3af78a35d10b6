"""The audit log viewer: who did what to which record, when. Filters in the address bar never hold personal
data: a person is named by their public id (an email address typed in the box is swapped for it)."""
from __future__ import annotations

from flask import Response, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import StringField, ValidationError

from portal import paging
from portal.admin import audit_log
from portal.admin.blueprint import bp
from portal.database import utcnow
from portal.extensions import db
from portal.forms import DateInput, NoControlCharacters
from portal.templating import govuk_date


class AuditFilterForm(FlaskForm):
    class Meta:
        csrf = False  # a GET form: nothing changes

    who = StringField("Who", validators=[NoControlCharacters()])
    action = StringField("What (action)", validators=[NoControlCharacters()])
    record = StringField("Which record", validators=[NoControlCharacters()])
    since = DateInput("From", "The ‘From’ date")  # GOV.UK date input: since-day, since-month, since-year
    until = DateInput("To", "The ‘To’ date")
    actor = None

    def validate_who(self, field):
        if field.data and field.data.strip():
            self.actor = audit_log.find_user(field.data)
            if self.actor is None:
                raise ValidationError("No user has that email address: check it, or leave ‘Who’ empty")

    def validate_until(self, field):
        if field.data and self.since.data and not self.since.errors and field.data < self.since.data:
            field.bad_parts = set(DateInput.PARTS)
            raise ValidationError("‘To’ must be the same as or after ‘From’")

    def filters(self) -> audit_log.Filters:
        def day(field):
            return field.data if not field.errors else None
        return audit_log.Filters(
            who=self.actor if not self.who.errors else None, action=(self.action.data or "").strip()[:60],
            record=(self.record.data or "").strip()[:60], since=day(self.since), until=day(self.until))

    def args(self) -> dict:
        values = {"who": self.actor.public_id if self.actor else "", "action": (self.action.data or "").strip(),
                  "record": (self.record.data or "").strip(),
                  **{f"{field.name}-{part}": field.parts[part] for field in (self.since, self.until)
                     for part in DateInput.PARTS}}
        return {k: v for k, v in values.items() if v}


@bp.route("/audit-log")
def audit_log_view():
    form = AuditFilterForm(formdata=request.args)
    valid = form.validate()
    if valid and form.actor is not None and "@" in (form.who.data or ""):
        # Keep the email address out of the address bar, history and access logs
        return redirect(url_for("admin.audit_log_view", **form.args()))
    number = paging.page_number(request.args.get("page"), most=99_999)
    if form.actor is not None:
        form.who.data = form.actor.email
    rows, total = audit_log.page(current_user, form.filters(), number)
    db.session.commit()
    args = form.args()
    pagination = paging.pagination(number, paging.page_count(total, audit_log.PER_PAGE),
                                   lambda page: url_for("admin.audit_log_view", page=page, **args),
                                   label="Pages of audit events")
    return render_template("admin/audit_log.html", form=form, rows=rows, total=total, pagination=pagination,
                           args=args, when=govuk_date), 200 if valid else 400


@bp.route("/audit-log.csv")
def audit_log_csv():
    form = AuditFilterForm(formdata=request.args)
    form.validate()
    response = Response(audit_log.export_csv(current_user, form.filters()), mimetype="text/csv")
    db.session.commit()  # the export's audit record
    response.headers["Content-Disposition"] = f'attachment; filename="audit-log-{utcnow():%Y-%m-%d}.csv"'
    response.headers["Cache-Control"] = "no-store"
    return response
