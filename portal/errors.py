"""Errors that services raise and views show to people, in plain English."""


class DomainError(Exception):
    """A rule stopped the action. The message says what happened and what to do next.

    `field` names the form field the message is about (the error summary links to it); `href` is where the
    person can do the next step the message names (the error summary links the message there).
    """

    def __init__(self, message: str = "", *, field: str | None = None, href: str = ""):
        super().__init__(message)
        self.field = field
        self.href = href


class NotAllowed(DomainError):
    """The actor's role does not let them do this."""


class Conflict(DomainError):
    """Someone else changed the object first."""
