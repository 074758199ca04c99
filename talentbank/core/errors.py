"""Errors services raise for users to read: a message id with its parameters, translated late."""
from __future__ import annotations

from flask_babel import gettext


def N_(message: str) -> str:
    """Mark a message for extraction; it is translated where it is shown."""
    return message


class UserError(Exception):
    """Bad input or a state that forbids the action; ``str()`` is the translated message."""

    def __init__(self, message: str, field: str | None = None, **params: object) -> None:
        super().__init__(message)
        self.message_id = message
        self.field = field
        self.params = params

    def translated(self) -> str:
        """The message in the current user's language (needs an app context)."""
        return gettext(self.message_id, **self.params)

    def __str__(self) -> str:
        try:
            return self.translated()
        except RuntimeError:  # outside an app context: the Japanese original
            return self.message_id % self.params if self.params else self.message_id


class UserErrors(UserError):
    """Several problems found at once (a whole form checked), so people fix them in one go."""

    def __init__(self, errors: list[UserError]) -> None:
        first = errors[0]
        super().__init__(first.message_id, first.field, **first.params)
        self.errors = errors
