"""The kinds of phases and the verbs residents do, as data.

Which verbs a phase opens is declared per module type (``consultations.registry``: each module's
``default_phase_verbs``), and an instance may be limited to phases an editor chose; predicates
ask ``verb_open`` (never the clock directly).
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
