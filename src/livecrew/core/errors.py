"""Domain errors. Each carries its HTTP status and a message a person can act on."""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    status_code = 400
    code = "bad_request"

    def __init__(
        self,
        message: str,
        *,
        details: list[Any] | dict[str, Any] | None = None,
        key: str | None = None,
        params: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.details = details
        # The console shows the message in the reader's language when a catalog key is given.
        self.key = key
        self.params = params or {}

    def to_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = {"error": self.code, "message": self.message}
        if self.details is not None:
            body["details"] = self.details
        return body


class ValidationFailed(DomainError):
    status_code = 422
    code = "invalid"


class NotFound(DomainError):
    status_code = 404
    code = "not_found"


class Conflict(DomainError):
    status_code = 409
    code = "conflict"


class Unauthenticated(DomainError):
    status_code = 401
    code = "unauthenticated"


class Forbidden(DomainError):
    status_code = 403
    code = "forbidden"


class TooManyAttempts(DomainError):
    status_code = 429
    code = "too_many_attempts"

    def __init__(
        self, message: str, *, retry_after: int, key: str | None = None, params: dict[str, Any] | None = None
    ) -> None:
        super().__init__(message, details={"retry_after_seconds": retry_after}, key=key, params=params)
        self.retry_after = retry_after


class PayloadTooLarge(DomainError):
    status_code = 413
    code = "too_large"
