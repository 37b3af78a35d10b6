"""The data dictionary: every column of every table, marked for the data it holds.

- "none":      no personal data
- "personal":  identifies or describes a person (staff or public): names, emails, addresses, dates of birth
- "offence":   criminal-offence or special-category data about a person on probation or in prison
- "secret":    credentials and keys (never shown, never logged)

A test fails when a table or column is missing here, so a new column cannot arrive unmarked. Personal,
offence and secret columns stay out of logs, search indexes, URLs and emails.
"""
from __future__ import annotations

NONE, PERSONAL, OFFENCE, SECRET = "none", "personal", "offence", "secret"

_TIMESTAMPS = {"created_at": NONE, "updated_at": NONE}

DICTIONARY: dict[str, dict[str, str]] = {
    "pathways": {c: NONE for c in ("id", "slug", "name", "description", "womens", "position")},
    "regions": {c: NONE for c in ("id", "slug", "name")},
    "contract_package_areas": {c: NONE for c in ("id", "slug", "name", "region_id")},
    "probation_regions": {c: NONE for c in ("id", "slug", "name")},
    "probation_delivery_units": {c: NONE for c in ("id", "slug", "name", "probation_region_id")},
    "prisons": {c: NONE for c in ("id", "code", "name", "region_id")},
    "organisations": {
        **{c: NONE for c in ("id", "public_id", "name", "kind", "sector", "description", "website", "status",
                             "decided_at", "decided_by_id", "decision_reason", "open_referral_id", "email",
                             "identifiers_changed_at")},
        **_TIMESTAMPS,
    },
    "organisation_identifiers": {c: NONE for c in ("id", "organisation_id", "scheme", "identifier")},
    "organisation_regions": {c: NONE for c in ("organisation_id", "region_id")},
    "organisation_cpas": {c: NONE for c in ("organisation_id", "contract_package_area_id")},
    "users": {
        "id": NONE, "public_id": NONE, "email": PERSONAL, "name": PERSONAL, "role": NONE,
        "password_hash": SECRET, "email_verified_at": NONE, "disabled_at": NONE, "session_version": NONE,
        "totp_secret": SECRET, "totp_last_counter": NONE, "mfa_enabled_at": NONE, "last_signed_in_at": PERSONAL,
        "password_changed_at": NONE, "probation_region_id": NONE, "prison_id": NONE,
        "probation_delivery_unit_id": NONE, "sees_whole_region": NONE, **_TIMESTAMPS,
    },
    "memberships": {**{c: NONE for c in ("id", "user_id", "organisation_id", "org_role")}, **_TIMESTAMPS},
    "invitations": {
        "id": NONE, "public_id": NONE, "organisation_id": NONE, "email": PERSONAL, "org_role": NONE,
        "token_hash": SECRET, "invited_by_id": NONE, "expires_at": NONE, "accepted_at": NONE, **_TIMESTAMPS,
    },
    "api_tokens": {
        "id": NONE, "public_id": NONE, "user_id": NONE, "name": NONE, "token_hash": SECRET, "prefix": NONE,
        "last_used_at": NONE, "revoked_at": NONE, **_TIMESTAMPS,
    },
    "recovery_codes": {"id": NONE, "user_id": NONE, "code_hash": SECRET, "used_at": NONE, **_TIMESTAMPS},
    "audit_events": {
        "id": NONE, "at": NONE, "actor_id": NONE, "actor_role": NONE, "action": NONE, "object_type": NONE,
        "object_id": NONE, "subject_ref": NONE, "reason": PERSONAL, "details": NONE, "request_id": NONE,
        "api_token_id": NONE,
    },
    # Listings are public by design: what a provider publishes about its service (contacts are work contacts).
    "directory_services": {
        **{c: NONE for c in ("id", "uuid", "organisation_id", "state", "name", "minimum_age", "maximum_age",
                             "capacity", "high_risk_approved", "document", "summary", "published_at", "last_modified",
                             "last_checked_at", "last_checked_by_id", "reminders_sent", "freshness", "version")},
        **_TIMESTAMPS,
    },
    "directory_locations": {c: NONE for c in (
        "id", "service_id", "uuid", "service_at_location_uuid", "position", "name", "postal_code", "outcode",
        "latitude", "longitude", "region_id", "contract_package_area_id")},
    "directory_service_terms": {c: NONE for c in ("service_id", "taxonomy", "code")},
    "directory_revisions": {
        **{c: NONE for c in ("id", "uuid", "service_id", "number", "content", "state", "created_by_id",
                             "submitted_at", "submitted_by_id", "decided_at", "decided_by_id", "decision_reason",
                             "version")},
        **_TIMESTAMPS,
    },
    "directory_problem_reports": {
        "id": NONE, "uuid": NONE, "service_id": NONE, "message": PERSONAL, "reporter_email": PERSONAL,
        "created_at": NONE, "resolved_at": NONE, "resolved_by_id": NONE, "resolution_note": PERSONAL,
    },
    # Counted without who asked: the query text alone.
    "directory_search_gaps": {c: NONE for c in ("id", "query", "filters", "count", "first_seen", "last_seen")},
    "directory_saved_lists": {**{c: NONE for c in ("id", "uuid", "user_id", "name")}, **_TIMESTAMPS},
    "directory_saved_list_items": {c: NONE for c in ("id", "saved_list_id", "service_id")},
    # Supply chain (issue #5). Expressions of interest describe organisations, not people: contacts are work
    # contacts an organisation chooses to publish to lead providers. Decision comments and invitation notes are
    # written to organisations and may name staff, so they are marked personal.
    "supply_expressions": {**{c: NONE for c in ("id", "public_id", "organisation_id", "approved_at", "expires_at",
                                                "reminders_sent", "version")}, **_TIMESTAMPS},
    "supply_expression_versions": {**{c: NONE for c in (
        "id", "public_id", "expression_id", "number", "state", "answers", "name", "search_text", "created_by_id",
        "submitted_at", "submitted_by_id")}, **_TIMESTAMPS},
    "supply_expression_tags": {c: NONE for c in ("version_id", "facet", "code")},
    "supply_expression_decisions": {**{c: NONE for c in (
        "id", "version_id", "action", "from_state", "to_state", "actor_id", "actor_role", "at")},
        "comment": PERSONAL},
    "supply_expression_documents": {c: NONE for c in (
        "id", "public_id", "expression_id", "kind", "title", "filename", "stored_name", "content_type", "size",
        "sha256", "added_in", "removed_in", "uploaded_by_id", "uploaded_at")},
    "supply_shortlists": {**{c: NONE for c in ("id", "public_id", "organisation_id", "created_by_id", "name")},
                          **_TIMESTAMPS},
    "supply_shortlist_items": {c: NONE for c in ("id", "shortlist_id", "expression_id", "added_at")},
    "supply_invitations": {**{c: NONE for c in (
        "id", "public_id", "lead_organisation_id", "organisation_id", "contract_name", "contract_package_area_id",
        "services", "risk_share_percent", "risk_notes", "state", "invited_by_id", "invited_at", "responded_by_id",
        "responded_at", "version")}, "response_note": PERSONAL, **_TIMESTAMPS},

    # Corporate Alliance (employers). Memberships, pledges and opportunities are what employers publish.
    "employer_memberships": {
        **{c: NONE for c in ("id", "public_id", "organisation_id", "level", "verified_level", "joined_at",
                             "joined_by_id", "requested_at", "requested_by_id", "verified_at", "verified_by_id",
                             "declined_at", "declined_by_id", "decision_reason", "version")},
        **_TIMESTAMPS,
    },
    "employer_pledges": {c: NONE for c in ("id", "membership_id", "level", "kind", "description", "area",
                                            "quantity", "created_at", "created_by_id")},
    "employer_opportunities": {
        **{c: NONE for c in ("id", "public_id", "organisation_id", "kind", "title", "description", "industry",
                             "minimum_requirements", "training_course", "training_provider", "paid", "rotl",
                             "places", "closing_date", "conviction_position", "status", "closed_at",
                             "closed_by_id", "created_by_id", "version")},
        **_TIMESTAMPS,
    },
    "employer_opportunity_locations": {c: NONE for c in (
        "id", "opportunity_id", "position", "postcode", "outcode", "town", "latitude", "longitude", "region_id",
        "contract_package_area_id")},
    "employer_opportunity_prisons": {c: NONE for c in ("opportunity_id", "prison_id")},
    "employer_opportunity_cpas": {c: NONE for c in ("opportunity_id", "contract_package_area_id")},
    # A nomination is about a person in prison or on probation: their practitioner's reference for them (a CRN or
    # prison number) is offence data and never shown to the employer; what they agreed to share is personal.
    # Every view of these columns is audited (nomination.viewed / nomination.listed).
    "employer_nominations": {
        "id": NONE, "public_id": NONE, "reference": NONE, "opportunity_id": NONE, "nominated_by_id": NONE,
        "person_reference": OFFENCE, "first_name": PERSONAL, "skills": PERSONAL, "training": PERSONAL,
        "availability": PERSONAL, "interview_details": PERSONAL, "consent_method": NONE,
        "consent_recorded_at": NONE, "consent_recorded_by_id": NONE, "state": NONE, "close_reason": NONE,
        "close_note": PERSONAL, "reminded_state": NONE, "reminded_at": NONE, "version": NONE, **_TIMESTAMPS,
    },
    "employer_nomination_steps": {c: NONE for c in ("id", "nomination_id", "step", "on_date", "recorded_at",
                                                     "recorded_by_id")},
    "outbox_messages": {
        "id": NONE, "topic": NONE, "payload": PERSONAL, "created_at": NONE, "available_at": NONE,
        "attempts": NONE, "processed_at": NONE, "failed_at": NONE, "last_error": NONE, "priority": NONE,
    },
    "scheduled_runs": {c: NONE for c in ("id", "job", "slot", "started_at", "finished_at", "items", "error",
                                         "host")},
    # Referrals: criminal-offence data about a person on probation or in prison
    "referrals": {
        **{c: NONE for c in (
            "id", "public_id", "reference", "state", "service_id", "organisation_id", "created_by_id",
            "probation_region_id", "probation_delivery_unit_id", "consent_given", "consent_date", "consent_method",
            "sent_at", "sent_by_id",
            "responded_at", "responded_by_id", "decline_reason", "assigned_to_id", "assigned_at", "assigned_by_id",
            "first_appointment_at", "appointment_booked_at", "appointment_booked_by_id", "concluded_at",
            "concluded_by_id", "end_reason", "reminded_at", "version", "risk_escalated_at", "risk_escalated_by_id",
            "escalation_decision", "escalation_decided_at", "escalation_decided_by_id", "payment_basis")},
        "referrer_phone": PERSONAL,  # the probation practitioner's work phone
        **{c: OFFENCE for c in ("desired_outcomes", "risk_level", "mappa", "risk_summary", "additional_information",
                                "end_of_service_report", "risk_plan_document", "risk_plan_review_date")},
        **_TIMESTAMPS,
    },
    "referral_people": {
        "id": NONE, "referral_id": NONE, "first_name": PERSONAL, "last_name": PERSONAL, "date_of_birth": PERSONAL,
        "crn": OFFENCE, "gender": PERSONAL, "in_custody": OFFENCE, "prison_id": OFFENCE,
        "expected_release_date": OFFENCE, "postcode_district": PERSONAL, "phone": PERSONAL,
        "interpreter_language": PERSONAL, "disability_needs": PERSONAL, "caring_responsibilities": PERSONAL,
        "availability": PERSONAL, "arson_conviction": OFFENCE, "sexual_offence_conviction": OFFENCE,
    },
    "referral_searches": {"id": NONE, "key": NONE, "user_id": NONE, "text": OFFENCE, "created_at": NONE},
    "referral_needs": {"id": NONE, "referral_id": NONE, "pathway_id": OFFENCE, "rating": OFFENCE},
    "referral_sessions": {
        **{c: NONE for c in ("id", "referral_id", "number", "recorded_by_id", "recorded_at")},
        "happened_at": OFFENCE, "attendance": OFFENCE, "notes": OFFENCE,
    },
    "referral_events": {
        **{c: NONE for c in ("id", "referral_id", "at", "actor_id", "action", "from_state", "to_state",
                             "reason_code")},
        "comment": OFFENCE, "changes": OFFENCE,
    },
    # Funding: an organisation's grants, contracts and ledger (no personal data), and donations. The Gift Aid
    # name and home address are personal data: never logged, emailed or sent to Stripe.
    "funding_agreements": {
        **{c: NONE for c in (
            "id", "public_id", "organisation_id", "kind", "title", "reference", "description", "counterparty_name",
            "counterparty_identifier", "programme", "amount_pence", "currency", "award_date", "start_date",
            "end_date", "conditions", "documents_url", "contract_role", "contract_package_area_id",
            "fee_for_service_pence", "fee_schedule", "outcome_payments_pence", "lead_agreement_id",
            "lead_organisation_id", "shared_with_lead_at", "shared_with_lead_by_id", "created_by_id", "version")},
        **_TIMESTAMPS,
    },
    "funding_requirements": {
        **{c: NONE for c in ("id", "public_id", "agreement_id", "kind", "title", "due_date", "amount_pence",
                             "status", "status_note", "status_changed_at", "status_changed_by_id", "reminded_at",
                             "reminded_overdue_at", "version")},
        **_TIMESTAMPS,
    },
    "funding_ledger_entries": {
        **{c: NONE for c in ("id", "organisation_id", "agreement_id", "donation_id", "direction", "planned",
                             "amount_pence", "on", "description", "external_ref", "created_by_id")},
        **_TIMESTAMPS,
    },
    "funding_outcome_measures": {
        **{c: NONE for c in ("id", "public_id", "agreement_id", "kind", "name", "baseline", "threshold_percent",
                             "price_pence", "cap_pence", "method")},
        **_TIMESTAMPS,
    },
    # Aggregate cohort figures only, never individuals.
    "funding_cohort_results": {
        **{c: NONE for c in ("id", "public_id", "measure_id", "cohort", "cohort_size", "outcomes", "comparison_size",
                             "comparison_outcomes", "validator_name", "validated_on", "validator_cohort_size",
                             "validator_outcomes", "payment_pence", "calculation", "recorded_by_id")},
        **_TIMESTAMPS,
    },
    "funding_donation_settings": {
        **{c: NONE for c in ("id", "organisation_id", "enabled", "changed_at", "changed_by_id")}, **_TIMESTAMPS,
    },
    "funding_agreement_documents": {
        **{c: NONE for c in ("id", "public_id", "agreement_id", "title", "filename", "stored_name", "content_type",
                             "size", "sha256", "uploaded_by_id")}, **_TIMESTAMPS,
    },
    "funding_open_data_publications": {
        **{c: NONE for c in ("id", "organisation_id", "published", "changed_at", "changed_by_id")}, **_TIMESTAMPS,
    },
    "funding_donations": {
        **{c: NONE for c in ("id", "public_id", "organisation_id", "amount_pence", "currency", "state",
                             "payment_intent_id", "gift_aid", "gift_aid_declared_at", "paid_at", "refunded_pence",
                             "refunded_at", "failure_message", "refund_requests", "version")},
        **{c: PERSONAL for c in ("gift_aid_name", "gift_aid_address", "gift_aid_postcode")},
        **_TIMESTAMPS,
    },
    "funding_stripe_events": {c: NONE for c in ("id", "event_id", "type", "donation_id", "received_at")},
}


def columns_marked(*kinds: str) -> set[tuple[str, str]]:
    return {(table, column) for table, columns in DICTIONARY.items()
            for column, kind in columns.items() if kind in kinds}

# --- Virtual Campus. Being in prison, a prison number and a release date are criminal-offence data. ---
DICTIONARY.update({
    "campus_learners": {
        "id": NONE, "public_id": NONE, "user_id": NONE, "prison_id": OFFENCE, "prison_number": OFFENCE,
        "release_date": OFFENCE, "release_area": OFFENCE, "status": OFFENCE, "status_changed_at": OFFENCE,
        "status_changed_by_id": NONE, "messaging_suspended_at": OFFENCE, "messaging_suspended_by_id": NONE,
        "messaging_suspended_reason": OFFENCE, "offender_manager_id": OFFENCE, "version": NONE, **_TIMESTAMPS,
    },
    "campus_sessions": {
        "id": NONE, "public_id": NONE, "learner_id": NONE, "prison_id": OFFENCE, "opened_by_id": NONE,
        "opened_at": PERSONAL, "expires_at": PERSONAL, "limit_minutes": NONE, "code_hash": SECRET,
        "code_used_at": PERSONAL, "failed_attempts": NONE, "locked_until": NONE, "last_active_at": PERSONAL,
        "ended_at": PERSONAL, "ended_by_id": NONE, "end_reason": NONE, **_TIMESTAMPS,
    },
    "campus_content": {c: NONE for c in (
        "id", "public_id", "topic", "title", "summary", "accredited_by", "state", "organisation_id", "created_by_id",
        "submitted_at", "submitted_by_id", "reviewed_at", "reviewed_by_id", "review_note", "published_at",
        "published_by_id", "version", "created_at", "updated_at")},
    "campus_lessons": {c: NONE for c in ("id", "public_id", "content_id", "position", "title", "body",
                                         "created_at", "updated_at")},
    "campus_quiz_questions": {c: NONE for c in ("id", "lesson_id", "position", "question", "options", "correct",
                                                "created_at", "updated_at")},
    "campus_progress": {"id": NONE, "learner_id": NONE, "lesson_id": NONE, "completed_at": PERSONAL,
                        "score": PERSONAL, "out_of": NONE, **_TIMESTAMPS},
    "campus_images": {c: NONE for c in ("id", "public_id", "uploaded_by_id", "organisation_id", "media_type", "size",
                                        "alt_text", "created_at", "updated_at")},
    "campus_cvs": {
        "id": NONE, "learner_id": NONE, "personal_statement": PERSONAL, "skills": PERSONAL, "references": PERSONAL,
        "disclosure": OFFENCE, "shared_with_offender_manager_at": PERSONAL, "shared_snapshot": OFFENCE,
        "version": NONE, **_TIMESTAMPS,
    },
    "campus_cv_entries": {"id": NONE, "public_id": NONE, "cv_id": NONE, "kind": NONE, "title": PERSONAL,
                          "place": OFFENCE, "dates": PERSONAL, "description": PERSONAL, **_TIMESTAMPS},
    "campus_messages": {
        "id": NONE, "public_id": NONE, "learner_id": NONE, "organisation_id": NONE, "direction": NONE,
        "subject": PERSONAL, "body": OFFENCE, "cv_snapshot": OFFENCE, "in_reply_to_id": NONE, "sent_at": NONE,
        "sent_by_id": NONE, "state": NONE, "decided_at": NONE, "decided_by_id": NONE, "stop_reason": OFFENCE,
        "read_at": NONE, "version": NONE, **_TIMESTAMPS,
    },
    "campus_opportunity_reviews": {c: NONE for c in (
        "id", "opportunity_id", "approved", "fingerprint", "decided_at", "decided_by_id", "reason", "created_at",
        "updated_at")},
    "campus_contact_blocks": {
        "id": NONE, "learner_id": NONE, "organisation_id": NONE, "blocked_at": NONE, "blocked_by_id": NONE,
        "reason": OFFENCE, "lifted_at": NONE, "lifted_by_id": NONE, "active": NONE, **_TIMESTAMPS,
    },
    # A learner's interest in an employer's opportunity (who is in prison and looking for work)
    "campus_interests": {
        "id": NONE, "public_id": NONE, "learner_id": NONE, "opportunity_id": NONE, "message_id": NONE,
        "state": NONE, "decided_at": NONE, "decided_by_id": NONE, "reason": OFFENCE, "nomination_id": NONE,
        **_TIMESTAMPS,
    },
})
