"""A local Eventtia API v3 server (FastAPI + SQLite) seeded with the Demo Expo event."""

from .app import API_PREFIX, create_app
from .seed import DEMO_EMAIL, DEMO_PASSWORD

__all__ = ["API_PREFIX", "DEMO_EMAIL", "DEMO_PASSWORD", "create_app"]
