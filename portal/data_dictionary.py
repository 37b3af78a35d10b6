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
    "prisons": {c: NONE for c in ("id", "code", "name", "region_id")},
    "organisations": {
        **{c: NONE for c in ("id", "public_id", "name", "kind", "sector", "description", "website", "status",
                             "decided_at", "decided_by_id", "decision_reason", "open_referral_id", "email")},
        **_TIMESTAMPS,
    },
    "organisation_identifiers": {c: NONE for c in ("id", "organisation_id", "scheme", "identifier")},
    "organisation_regions": {c: NONE for c in ("organisation_id", "region_id")},
    "organisation_cpas": {c: NONE for c in ("organisation_id", "contract_package_area_id")},
    "users": {
        "id": NONE, "public_id": NONE, "email": PERSONAL, "name": PERSONAL, "role": NONE,
        "password_hash": SECRET, "email_verified_at": NONE, "disabled_at": NONE, "session_version": NONE,
        "totp_secret": SECRET, "totp_last_counter": NONE, "mfa_enabled_at": NONE, "last_signed_in_at": PERSONAL,
        "password_changed_at": NONE, "probation_region_id": NONE, "prison_id": NONE, **_TIMESTAMPS,
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
    "audit_events": {
        "id": NONE, "at": NONE, "actor_id": NONE, "actor_role": NONE, "action": NONE, "object_type": NONE,
        "object_id": NONE, "subject_ref": NONE, "reason": PERSONAL, "details": NONE, "request_id": NONE,
        "api_token_id": NONE,
    },
    # Listings are public by design: what a provider publishes about its service (contacts are work contacts).
    "directory_services": {
        **{c: NONE for c in ("id", "uuid", "organisation_id", "state", "name", "minimum_age", "maximum_age",
                             "capacity", "high_risk_approved", "document", "published_at", "last_modified",
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
        "created_at": NONE, "resolved_at": NONE, "resolved_by_id": NONE,
    },
    # Counted without who asked: the query text alone.
    "directory_search_gaps": {c: NONE for c in ("id", "query", "filters", "count", "first_seen", "last_seen")},
    "directory_saved_lists": {**{c: NONE for c in ("id", "uuid", "user_id", "name")}, **_TIMESTAMPS},
    "directory_saved_list_items": {c: NONE for c in ("id", "saved_list_id", "service_id")},
    "outbox_messages": {
        "id": NONE, "topic": NONE, "payload": PERSONAL, "created_at": NONE, "available_at": NONE,
        "attempts": NONE, "processed_at": NONE, "failed_at": NONE, "last_error": NONE,
    },
    # Referrals: criminal-offence data about a person on probation or in prison
    "referrals": {
        **{c: NONE for c in (
            "id", "public_id", "reference", "state", "service_id", "organisation_id", "created_by_id",
            "probation_region_id", "consent_given", "consent_date", "consent_method", "sent_at", "sent_by_id",
            "responded_at", "responded_by_id", "decline_reason", "assigned_to_id", "assigned_at", "assigned_by_id",
            "first_appointment_at", "appointment_booked_at", "appointment_booked_by_id", "concluded_at",
            "concluded_by_id", "end_reason", "reminded_at", "version")},
        **{c: OFFENCE for c in ("desired_outcomes", "risk_level", "mappa", "risk_summary", "additional_information",
                                "end_of_service_report")},
        **_TIMESTAMPS,
    },
    "referral_people": {
        "id": NONE, "referral_id": NONE, "first_name": PERSONAL, "last_name": PERSONAL, "date_of_birth": PERSONAL,
        "crn": OFFENCE, "gender": PERSONAL, "in_custody": OFFENCE, "prison_id": OFFENCE,
        "expected_release_date": OFFENCE, "postcode_district": PERSONAL, "phone": PERSONAL,
        "interpreter_language": PERSONAL, "disability_needs": PERSONAL, "caring_responsibilities": PERSONAL,
        "availability": PERSONAL, "arson_conviction": OFFENCE, "sexual_offence_conviction": OFFENCE,
    },
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
        "code_used_at": PERSONAL, "failed_attempts": NONE, "last_active_at": PERSONAL, "ended_at": PERSONAL,
        "ended_by_id": NONE, "end_reason": NONE, **_TIMESTAMPS,
    },
    "campus_content": {c: NONE for c in (
        "id", "public_id", "topic", "title", "summary", "accredited_by", "state", "organisation_id", "created_by_id",
        "published_at", "published_by_id", "version", "created_at", "updated_at")},
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
    "campus_contact_blocks": {
        "id": NONE, "learner_id": NONE, "organisation_id": NONE, "blocked_at": NONE, "blocked_by_id": NONE,
        "reason": OFFENCE, "lifted_at": NONE, "lifted_by_id": NONE, "active": NONE, **_TIMESTAMPS,
    },
})
