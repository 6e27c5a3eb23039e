"""A badge: the QR text printed on it (`code|First Last|email|Company - Job|phone` in the reference)."""

from __future__ import annotations


def looks_like_badge(text: str) -> bool:
    """An Eventtia QR string: `code|First Last|email|Company - Job|phone` (the reference's qr_code)."""
    parts = text.strip().split("|")
    return len(parts) >= 3 and bool(parts[0].strip()) and " " not in parts[0].strip()
