"""Identifiers: short, random, URL-safe and easy to paste into a terminal."""

from __future__ import annotations

import base64
import secrets


def new_id(prefix: str = "") -> str:
    """80 random bits as 16 lower-case base32 characters, with an optional readable prefix."""
    raw = base64.b32encode(secrets.token_bytes(10)).decode("ascii").lower()
    return f"{prefix}{raw}"
