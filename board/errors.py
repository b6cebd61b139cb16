"""The few domain errors that pages turn into messages; str() is always safe to show."""

from board.i18n import _


class BoardError(Exception):
    """Base of every error a person is shown."""


class NotAllowed(BoardError):
    """The person's role or scope does not allow this; nothing was read or changed."""

    def __init__(self, message: str | None = None):
        super().__init__(message if message is not None else _("You are not allowed to see or do this."))


class NotFound(BoardError):
    """The thing asked for does not exist (or is outside the person's scope)."""


class BackupError(BoardError):
    """A backup could not be written, or was refused on restore (damaged, mismatched, target holds data)."""


class Invalid(BoardError):
    """Input failed validation; `errors` maps each field (or row) to its message."""

    def __init__(self, errors: dict[str, str], message: str | None = None):
        super().__init__(message if message is not None else _("Please correct the fields marked below."))
        self.errors = errors
