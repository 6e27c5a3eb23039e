"""Venue mode (issue 18): several kiosk machines share one Redis for the request budget, one sync per event,
live record changes and the outbox. Nothing here is imported unless EVENTTIA_SHARED_URL / --shared is set,
and nothing here imports Textual."""

import logging

logging.getLogger(__name__).addHandler(logging.NullHandler())  # written only with --log, never to the terminal
