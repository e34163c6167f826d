"""Which verbs each kind of phase opens, as data.

Predicates ask the active phase (never the clock directly) whether a verb is open; later modules
(discussions, surveys, idea maps) name their verbs here so a phase's meaning lives in one table.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class PhaseKind(models.TextChoices):
    INFORMATION = "information", _("Information")
    PARTICIPATION = "participation", _("Participation")
    EVALUATION = "evaluation", _("Evaluation")
    RESULTS = "results", _("Results")


class Verb(models.TextChoices):
    COMMENT = "comment", _("comment")
    REACT = "react", _("react")
    VOTE = "vote", _("vote")
    ANSWER = "answer", _("answer surveys")
    ADD_IDEA = "add_idea", _("add ideas")
    SUPPORT = "support", _("support ideas")


PHASE_VERBS: dict[str, frozenset[str]] = {
    PhaseKind.INFORMATION: frozenset(),
    PhaseKind.PARTICIPATION: frozenset(Verb.values),
    PhaseKind.EVALUATION: frozenset(),
    PhaseKind.RESULTS: frozenset(),
}


def phase_opens(kind: str | None, verb: str) -> bool:
    """Whether a phase of ``kind`` lets residents ``verb``; no phase opens nothing."""
    if kind is None:
        return False
    return verb in PHASE_VERBS.get(kind, frozenset())
