from .accounts import MitredenUserManager, User
from .base import CreatorModel, PhasedModule, TimeStampedModel
from .consultations import (
    Consultation,
    ConsultationMembership,
    ConsultationQuerySet,
    District,
    Phase,
    Topic,
    validate_area,
)
from .councils import (
    Council,
    CouncilOrganiser,
    InvitationDraw,
    RegisterEntry,
    StratificationCategory,
    StratificationValue,
)
from .discussions import COMMENT_MAX_LENGTH, Comment, CommentRevision, Discussion, Reaction
from .live import LiveEvent, LiveStream
from .moderation import (
    BlockedWord,
    ModerationDecision,
    Notification,
    RemovalReason,
    Report,
    ReportReason,
    UserBlock,
)
from .polls import PollChoice, PollVote, QuickPoll
from .surveys import SURVEY_TEXT_MAX_LENGTH, Answer, Choice, Question, Response, Survey

__all__ = [
    "COMMENT_MAX_LENGTH",
    "SURVEY_TEXT_MAX_LENGTH",
    "Answer",
    "BlockedWord",
    "Choice",
    "Comment",
    "CommentRevision",
    "Consultation",
    "ConsultationMembership",
    "ConsultationQuerySet",
    "Council",
    "CouncilOrganiser",
    "CreatorModel",
    "Discussion",
    "District",
    "InvitationDraw",
    "LiveEvent",
    "LiveStream",
    "MitredenUserManager",
    "ModerationDecision",
    "Notification",
    "Phase",
    "PhasedModule",
    "PollChoice",
    "PollVote",
    "Question",
    "QuickPoll",
    "Reaction",
    "RegisterEntry",
    "RemovalReason",
    "Report",
    "ReportReason",
    "Response",
    "StratificationCategory",
    "StratificationValue",
    "Survey",
    "TimeStampedModel",
    "Topic",
    "User",
    "UserBlock",
    "validate_area",
]
