"""Domain errors; the web layer maps them to status codes and friendly messages."""


class DomainError(Exception):
    """Something the user can fix or should be told about, with a message meant for a person."""

    status_code = 400

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotFound(DomainError):
    status_code = 404


class Forbidden(DomainError):
    status_code = 403


class LinkInvalid(DomainError):
    """An invitation link that is unknown, expired or revoked."""

    status_code = 410


class Invalid(DomainError):
    status_code = 400


class RateLimited(DomainError):
    status_code = 429
