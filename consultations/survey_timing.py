"""When a survey takes answers and when its results are public, from its consultation's
phases (or the phases an editor chose). Below the rules and the module registration, so both
can ask without an import cycle."""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone

from consultations.phases import PhaseKind, Verb

DEFAULT_PHASE_VERBS = {PhaseKind.PARTICIPATION: frozenset({Verb.ANSWER})}


def answering_phases(survey) -> list:
    """The consultation's phases in which this survey takes answers."""
    phases = sorted(survey.consultation.phases.all(), key=lambda p: (p.start, p.pk))
    chosen = survey.chosen_phase_ids()
    if chosen:
        return [phase for phase in phases if phase.pk in chosen]
    kinds = {kind for kind, verbs in DEFAULT_PHASE_VERBS.items() if Verb.ANSWER in verbs}
    return [phase for phase in phases if phase.kind in kinds]


def closes_at(survey) -> datetime | None:
    phases = answering_phases(survey)
    return max(phase.end for phase in phases) if phases else None


def opens_at(survey) -> datetime | None:
    phases = answering_phases(survey)
    return min(phase.start for phase in phases) if phases else None


def has_closed(survey, now: datetime | None = None) -> bool:
    """Answering is over for good: every phase that took answers has ended."""
    closes = closes_at(survey)
    return closes is not None and closes <= (now or timezone.now())


def results_are_public(survey, now: datetime | None = None) -> bool:
    if not survey.is_published:
        return False
    if survey.results_visibility == "during":
        return True
    if survey.results_visibility == "after":
        return has_closed(survey, now)
    return False
