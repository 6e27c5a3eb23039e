"""Example responses from the API reference (shared/eventtia-api-v3.txt; the copy in tests/replay), as Python data.

Read from the reference at test time (tests/replay/reference.py), never retyped: where the reference is not
valid JSON, its `{...}` / `[...]` placeholders are empty containers and its trailing commas are dropped.
"""

from tests.replay.reference import example, example_after

_CONFERENCE = "/events/:event_uri/business_conferences/:business_conference_id"
_HOURS = _CONFERENCE + ("/business_conference_participant_types/:business_conference_participant_type_id"
                        "/unavailable_hours")

AUTH = example("POST", "/auth")
PAGINATION = example_after("Example response:")
EVENTS = example("GET", "/events")
EVENTS_SLIM = example("GET", "/events/slim")
EVENT = example("GET", "/events/:event_uri")
TICKETS_STATS = example("GET", "/events/:event_uri/tickets-stats")
BUSINESS_CONFERENCES = example("GET", "/events/:event_uri/business_conferences")
PARTICIPANT_TYPES = example("GET", _CONFERENCE + "/business_conference_participant_types")
UNAVAILABLE_HOURS = example("GET", _HOURS)
UNAVAILABLE_HOUR_CREATED = example("POST", _HOURS)
UNAVAILABLE_HOUR_UPDATED = example("PUT", _HOURS + "/:id")
UNAVAILABLE_HOUR_DESTROYED = example("DELETE", _HOURS + "/:id")
PARTICIPANTS = example("GET", _CONFERENCE + "/business_conference_participants")
PARTICIPANT_AGENDA = example("GET", _CONFERENCE + "/business_conference_participants/:participant_id/agenda")
MEETINGS = example("GET", _CONFERENCE + "/business_conference_meetings")
ATTENDEE_TYPES = example("GET", "/events/:event_uri/attendee_types")
ATTENDEES = example("GET", "/events/:event_uri/attendees")
ATTENDEE_REGISTERED = example("POST", "/events/:event_uri/attendees/register")
ATTENDEE = example("GET", "/events/:event_uri/attendees/:attendee_id")
ATTENDEE_BY_EMAIL = example("GET", "/events/:event_uri/attendees/by_email")
ATTENDEE_WORKSHOPS = example("GET", "/events/:event_uri/attendees/:attendee_id/workshops")
ATTENDEE_WORKSHOP_CREATED = example("POST", "/events/:event_uri/attendee_workshops")
ATTENDEE_WORKSHOP_DELETED = example("DELETE", "/events/:event_uri/attendee_workshops")
ACTIVITIES_UPDATED = example("PUT", "/events/:event_uri/attendees/:attendee_id/update_activities")
WORKSHOPS = example("GET", "/events/:event_uri/workshops")
WORKSHOP = example("GET", "/events/:event_uri/workshops/:id")
WORKSHOP_ATTENDEES = example("GET", "/events/:event_uri/workshops/:workshop_id/attendees")

# Error bodies (the 401 after the sign-in example, the 404 after the single event's)
LOGIN_401 = example_after("Example of a 401 response:")
NOT_FOUND_404 = example_after("Example of a 404 response:")
