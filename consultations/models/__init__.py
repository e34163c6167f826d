from .accounts import MitredenUserManager, User
from .base import CreatorModel, TimeStampedModel
from .consultations import (
    Consultation,
    ConsultationMembership,
    ConsultationQuerySet,
    District,
    Phase,
    Topic,
    validate_area,
)
from .live import LiveEvent

__all__ = [
    "Consultation",
    "ConsultationMembership",
    "ConsultationQuerySet",
    "CreatorModel",
    "District",
    "LiveEvent",
    "MitredenUserManager",
    "Phase",
    "TimeStampedModel",
    "Topic",
    "User",
    "validate_area",
]
