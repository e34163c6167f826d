"""All writes go through the functions in these modules (one module per area).

Each action is keyword-only, checks the named permission, validates, writes atomically,
and schedules its live broadcast with ``transaction.on_commit``.
"""


class ActionError(Exception):
    """A write was refused; ``message`` is safe to show to the person who asked."""

    def __init__(self, message, *, code: str = "invalid"):
        super().__init__(message)
        self.message = message
        self.code = code


class PermissionDenied(ActionError):
    def __init__(self, message=None):
        from django.utils.translation import gettext

        super().__init__(message or gettext("You are not allowed to do this."), code="forbidden")
