"""Rows → JSON:API resources with the attribute names and shapes of the API reference."""

from __future__ import annotations

import hashlib
import json
from sqlite3 import Row
from typing import Any
from zoneinfo import ZoneInfo

from .jsonapi import iso, iso_ms, local_string, ref, refs, resource
from .seed import MEETING_STATUSES

LOGO = {
    "filename": None, "thumb": "/logos/thumb/missing.png", "small": "/logos/thumb2x/missing.png",
    "medium": "/logos/medium/missing.png", "large": "/logos/large/missing.png",
}


WHITE_LABEL_IMAGES = {
    "logo_filename": None, "logo": "/white_label_logos/original/missing.png",
    "background_filename": None, "background": "/white_label_backgrounds/original/missing.png",
}
BANNER = {
    "filename": None, "thumb": "/banner_images/thumb/missing.png", "small": "/banner_images/thumb2x/missing.png",
    "medium": "/banner_images/medium/missing.png", "large": "/banner_images/large/missing.png",
}


def api_key(row: Row) -> str:
    """A stable, uuid-shaped key per event (the reference's events carry one)."""
    digest = hashlib.sha256(f"event-{row['id']}".encode()).hexdigest()
    return f"{digest[:8]}-{digest[8:12]}-{digest[12:16]}-{digest[16:20]}-{digest[20:32]}"


def event_attributes(row: Row, tz: ZoneInfo) -> dict[str, Any]:
    return {
        "name": row["name"], "event_uri": row["uri"],
        "start_date": iso(row["start_ts"], tz), "end_date": iso(row["end_ts"], tz),
        "created_at": iso_ms(row["created_ms"], tz), "updated_at": iso_ms(row["updated_ms"], tz),
        "logo": LOGO, "coordinates": {"lat": row["lat"], "lng": row["lng"]}, "address": row["address"],
        "timezone": row["timezone"], "city_id": row["city_id"], "description": row["description"],
        "active": True, "time_format": "am_pm", "default_language": "en", "currency": "USD",
        "is_virtual": False, "attendance_mode": "offline", "website": f"https://live.eventtia.test/en/{row['uri']}",
        "white_label": False, "white_label_images": WHITE_LABEL_IMAGES, "google_analytics_tracking_code": "",
        "google_tag_manager_tracking_code": "", "sender_email": "demo@eventtia.test", "banner_image": BANNER,
        "static_map": None, "virtual_timezone": row["timezone"], "cloned_from_id": None, "is_template": False,
        "can_register_mid_workshop": False, "iso_code": "CO", "featured": False, "budget": 0.0,
        "api_key": api_key(row),
    }


def event(row: Row, tz: ZoneInfo, type_ids: list[int], total_attendees: int) -> dict[str, Any]:
    attributes = event_attributes(row, tz) | {"total_attendees": total_attendees, "fields": {}}
    return resource("events", row["id"], attributes, {"attendee_types": refs("attendee_types", type_ids)})


def event_slim(row: Row, tz: ZoneInfo) -> dict[str, Any]:
    return resource("events", row["id"], {
        "start_date": iso(row["start_ts"], tz), "end_date": iso(row["end_ts"], tz),
        "created_at": iso_ms(row["created_ms"], tz), "updated_at": iso_ms(row["updated_ms"], tz),
        "registration_start_date": None, "registration_end_date": None, "name": row["name"],
        "latitude": row["lat"], "longitude": row["lng"], "timezone": row["timezone"], "banner_image": {},
        "address_details": row["address"], "city_id": row["city_id"], "custom_fields_data": {},
    })


def custom_field(row: Row, tz: ZoneInfo) -> dict[str, Any]:
    return resource("attendee_type_custom_fields", row["id"], {
        "name": row["name"], "alias": None, "required": bool(row["required"]), "default": bool(row["is_default"]),
        "input_type": row["input_type"], "values": json.loads(row["options"]) if row["options"] else None,
        "display": True, "max_chars": 0, "validations": None, "value_limited": 0, "lower_bound": None,
        "upper_bound": None, "options": None, "include_time": None, "order": row["position"],
        "available_public_listings": row["name"] in ("first_name", "last_name", "company"),
        "filterable": False, "updated_at": iso_ms(row["updated_ms"], tz), "internal_id": None,
        "use_radio_buttons": False, "edit_admin_only": False,
    }, {"attendee_type": ref("attendee_types", row["attendee_type_id"])})


def attendee_type(row: Row, tz: ZoneInfo, field_ids: list[int], used: int, participant_type_id: int | None) -> dict[str, Any]:
    capacity = row["capacity"]
    return resource("attendee_types", row["id"], {
        "name": row["name"], "attendance_mode": "offline", "price": row["price"], "price_end_date": None,
        "description": "", "capacity": capacity,
        "availability": 0 if capacity is None else max(0, capacity - used),
        "order": row["position"], "price_without_vat": row["price"],
        "confirmation_required": bool(row["confirmation_required"]),
        "updated_at": iso_ms(row["updated_ms"], tz), "valid_if_no_payments": row["price"] == 0,
    }, {
        "attendee_type_custom_fields": refs("attendee_type_custom_fields", field_ids),
        "business_conference_participant_type": ref("business_conference_participant_types", participant_type_id),
    })


def qr_code(row: Row) -> str:
    """`xxxxxx|First Last|email|Company - Job|telephone`. As in 4 of the reference's 6 attendee examples,
    the first part is not always the attendee's uuid: here every third attendee's is another code."""
    name = f"{row['first_name'] or ''} {row['last_name'] or ''}".strip()
    company = " - ".join(part for part in (row["company"], row["job_title"]) if part)
    return f"{badge_code(row)}|{name}|{row['email'] or ''}|{company}|{row['telephone'] or ''}"


def badge_code(row: Row) -> str:
    if row["id"] % 3:
        uuid: str = row["uuid"]
        return uuid
    return hashlib.sha256(f"badge-{row['id']}-{row['uuid']}".encode()).hexdigest()[:6]


def attendee(row: Row, tz: ZoneInfo, field_ids: list[int], participant_ids: list[int]) -> dict[str, Any]:
    return resource("attendees", row["id"], {
        "created_at": iso_ms(row["created_ms"], tz), "updated_at": iso_ms(row["updated_ms"], tz),
        "uuid": row["uuid"], "fields": json.loads(row["fields"]), "status": row["status"],
        "paid": bool(row["paid"]), "checked_in": bool(row["checked_in"]),
        "checked_in_date": iso_ms(row["checked_in_ms"], tz), "qr_code": qr_code(row),
        "can_schedule_meetings": bool(participant_ids),
    }, {
        "attendee_type": ref("attendee_types", row["type_id"]),
        "attendee_type_custom_fields": refs("attendee_type_custom_fields", field_ids),
        "business_conference_participants": refs("business_conference_participants", participant_ids),
    })


def workshop(row: Row, tz: ZoneInfo, used_seats: int) -> dict[str, Any]:
    return resource("workshops", row["id"], {
        "start_date": iso(row["start_ts"], tz), "end_date": iso(row["end_ts"], tz),
        "created_at": iso_ms(row["created_ms"], tz), "updated_at": iso_ms(row["updated_ms"], tz),
        "booking_deadline_date": iso(row["start_ts"], tz), "name": row["name"],
        "description": row["description"], "location": row["location"],
        "show_on_register": bool(row["show_on_register"]),
        "streaming_embed_code": None, "streaming_type": None, "streaming_url": None, "guid": row["guid"],
        "jitsi_url": None, "background_image": {}, "enable_chat": False, "chat_name": None,
        "file_category_id": None, "enabled_emotions": False, "interactivity_type": None,
        "interactivity_snippet": None, "availability": row["capacity"], "used_seats": used_seats,
        "translation_snippet": None, "price": None, "sponsor_id": None, "attendance_mode": "offline",
        "eventtia_studio_params": {},
    }, {"speakers": refs("speakers", []), "workshop_categories": refs("workshop_categories", [])})


def attendee_workshop(row: Row, tz: ZoneInfo) -> dict[str, Any]:
    return resource("attendee_workshops", row["id"], {"checked_in_date": None, "checked_in": bool(row["checked_in"])}, {
        "attendee": ref("attendees", row["attendee_id"]), "workshop": ref("workshops", row["workshop_id"]),
    })


def agenda(slot_rows: list[Row], tz: ZoneInfo) -> dict[str, Any]:
    return {
        str(int(s["start_ts"])): [local_string(s["start_ts"], tz), local_string(s["end_ts"], tz), s["id"]]
        for s in slot_rows
    }


def business_conference(row: Row, tz: ZoneInfo, type_ids: list[int], totals: dict[int, int]) -> dict[str, Any]:
    return resource("business_conferences", row["id"], {
        "start_date": iso(row["start_ts"], tz), "end_date": iso(row["end_ts"], tz),
        "created_at": iso_ms(row["created_ms"], tz), "updated_at": iso_ms(row["updated_ms"], tz),
        "scheduling_starts_on": iso(row["start_ts"] - 7 * 86400, tz), "booking_deadline_date": iso(row["end_ts"], tz),
        "name": row["name"], "event_id": row["event_id"], "location": row["location"],
        "meeting_duration": row["meeting_minutes"], "mail_sender_name": row["name"],
        "limit_amount_of_scheduled_meetings_per_slot": 1, "meeting_rejection_enabled": True,
        "meeting_rejection_description_options": [], "automatic_scheduling": False,
        "automatic_scheduling_settings": None, "rated_show_participant_agendas": True, "blacklist_enabled": False,
        "blacklist_settings": {}, "neo4j_sync": None, "enable_meetings_evaluation": False,
        "enable_categories": False, "is_virtual": False,
        "total_requested_meetings": totals.get(MEETING_STATUSES["requested"], 0),
        "total_accepted_meetings": totals.get(MEETING_STATUSES["accepted"], 0),
        "total_rejected_meetings": totals.get(MEETING_STATUSES["rejected"], 0),
        "max_repeated_meetings": 1, "show_only_confirmed": False,
    }, {
        "business_conference_participant_types": refs("business_conference_participant_types", type_ids),
        "business_conference_categories": refs("business_conference_categories", []),
    })


def participant_type(row: Row, tz: ZoneInfo, slot_rows: list[Row]) -> dict[str, Any]:
    return resource("business_conference_participant_types", row["id"], {
        "name": row["name"], "profile_extra_fields": {}, "required_logo": False,
        "enable_categories_offering": False, "enable_categories_looking_for": False,
        "can_block_time_slots": bool(row["can_block_time_slots"]), "updated_at": iso_ms(row["updated_ms"], tz),
        "agenda": agenda(slot_rows, tz), "can_schedule_last_minute_meetings": False,
        "can_request_meeting_to_attendee_types": [], "show_contact_info": True, "rejection_enabled": True,
    }, {
        "business_conference_profile_fields": refs("business_conference_profile_fields", []),
        "attendee_types": refs("attendee_types", [row["attendee_type_id"]] if row["attendee_type_id"] else []),
        "business_conference": ref("business_conferences", row["conference_id"]),
    })


def unavailable_hour(row: Row, tz: ZoneInfo) -> dict[str, Any]:
    return resource("business_conference_participant_type_unavailable_hours", row["id"], {
        "start_date": iso(row["start_ts"], tz), "end_date": iso(row["end_ts"], tz),
    })


def participant(row: Row, tz: ZoneInfo, type_name: str) -> dict[str, Any]:
    return resource("business_conference_participants", row["id"], {
        "business_conference_id": row["conference_id"], "participant_type_id": row["participant_type_id"],
        "event_account_id": None, "attendee_id": row["attendee_id"], "participant_type_name": type_name,
        "profile_display_name": row["display_name"], "profile_contact_name": row["contact_name"],
        "profile_contact_email": row["contact_email"], "job_title": row["job_title"],
        "telephone": row["telephone"], "public_registration": False, "logo": LOGO, "profile_extra_fields": {},
        "blocked_slots": json.loads(row["blocked_slots"]), "updated_at": iso_ms(row["updated_ms"], tz),
    }, {"attendee": ref("attendees", row["attendee_id"])})


def meeting(row: Row, tz: ZoneInfo, slot: Row | None) -> dict[str, Any]:
    return resource("business_conference_meetings", row["id"], {
        "start_date": iso(slot["start_ts"], tz) if slot else None,
        "end_date": iso(slot["end_ts"], tz) if slot else None,
        "created_at": iso_ms(row["created_ms"], tz), "updated_at": iso_ms(row["updated_ms"], tz),
        "business_conference_id": row["conference_id"], "status": row["status"],
        "start_date_seconds": None, "end_date_seconds": None, "user_message": row["user_message"],
        "source": 3, "guid": row["guid"], "location": row["location"],
        "rejection_description": row["rejection_description"], "shared_participant_ids": {},
        "meeting_type": "booked", "demodesk_link": None, "demodesk_id": None, "slot_id": row["slot_id"],
        "is_virtual": False, "host_attended": False, "participant_attended": False,
        "participant_attendance_mode": None, "host_attendance_mode": None,
    }, {
        "host": ref("business_conference_participants", row["host_id"]),
        "participant": ref("business_conference_participants", row["guest_id"]),
    })
