"""Password hashing with argon2id."""

from __future__ import annotations

from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

_hasher = PasswordHasher()
MIN_LENGTH = 8
MAX_LENGTH = 256


def check_strength(password: str) -> str | None:
    """A message saying what is wrong with the password, or None when it is acceptable."""
    if len(password) < MIN_LENGTH:
        return f"the password must be at least {MIN_LENGTH} characters long"
    if len(password) > MAX_LENGTH:
        return f"the password must be at most {MAX_LENGTH} characters long"
    if password.strip() == "":
        return "the password cannot be only spaces"
    return None


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


# Verifying against this keeps the time of a sign-in with an unknown e-mail close to a real one.
@cache
def dummy_hash() -> str:
    """A hash of nothing anyone uses, made on first need (not at import: hashing is slow on purpose)."""
    return _hasher.hash("livecrew-timing-equaliser")
