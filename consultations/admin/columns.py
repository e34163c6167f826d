"""What the listings of blocks and decisions show in their columns (dates as dates)."""

from django.utils import timezone
from django.utils.translation import gettext

from consultations.models import ModerationDecision, UserBlock


def block_state(block: UserBlock) -> str:
    if block.lifted_at:
        return gettext("Lifted on %(date)s") % {
            "date": timezone.localtime(block.lifted_at).strftime("%d.%m.%Y %H:%M")
        }
    if block.until and block.until <= timezone.now():
        return gettext("Expired")
    return gettext("Active")


def block_until(block: UserBlock) -> str:
    """The end date as a date, never relative ("just now" for a date in the future)."""
    if block.until is None:
        return gettext("until further notice")
    return timezone.localtime(block.until).strftime("%d.%m.%Y %H:%M")


def block_scope(block: UserBlock) -> str:
    return str(block.consultation) if block.consultation_id else gettext("Everywhere")


def decision_comment(decision: ModerationDecision) -> str:
    return f"#{decision.comment_id}" if decision.comment_id else "–"
