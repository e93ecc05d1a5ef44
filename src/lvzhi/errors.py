"""The one error hierarchy: every failure a user can act on is a LvzhiError with a Chinese message.

Each kind carries how the faces show it: the web maps `status`/`code` to the HTTP answer, the CLI prints the
message and exits with `exit_code`. Nothing above this module lists error classes one by one.
"""
from __future__ import annotations


class LvzhiError(Exception):
    """A failure the user can act on; str(error) is the Chinese message shown as is."""

    status = 422
    code = "invalid_input"
    exit_code = 1


class InvalidInput(LvzhiError, ValueError):
    """The request, file or value given is not acceptable."""


class NotFound(LvzhiError, LookupError):
    """An unknown town, version, item, department, review, ticket or account."""

    status = 404
    code = "not_found"


class Forbidden(LvzhiError):
    """The user is known but may not do this."""

    status = 403
    code = "forbidden"


class LoginRequired(LvzhiError):
    """No (valid) login: the API answers 401, pages send the browser to the login page."""

    status = 401
    code = "login_required"


class Conflict(LvzhiError):
    """The thing moved on meanwhile (someone else decided first, a state no longer allows the step)."""

    status = 409
    code = "conflict"


class TooManyAttempts(LvzhiError):
    """Too many tries or too much use in a while; `retry_after` says in how many seconds to try again."""

    status = 429
    code = "too_many_attempts"
    retry_after: int | None = None


class TooLarge(LvzhiError):
    """One request larger than the asker may send at once (a batch, a body)."""

    status = 413
    code = "too_large"


class DatabaseError(LvzhiError):
    """The database cannot be opened or used."""

    status = 503
    code = "database_unavailable"


class ApiError(LvzhiError):
    """An error whose status and code the raiser chooses (for the web's own checks)."""

    def __init__(self, status: int, code: str, message: str):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message
