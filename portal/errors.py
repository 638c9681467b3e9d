"""Errors that services raise and views show to people, in plain English."""


class DomainError(Exception):
    """A rule stopped the action. The message says what happened and what to do next."""


class NotAllowed(DomainError):
    """The actor's role does not let them do this."""


class Conflict(DomainError):
    """Someone else changed the object first."""
