"""The participation-module contract: one registry for what every module tells the platform.

Discussions are the first module; surveys, idea maps and citizens' councils follow. A module is
a unit (models, actions, rules, templates) that plugs in here with one ``register()`` call from
its own file, and with one line each in the registries that live elsewhere because of the
layering (page blocks in ``cms``, admin viewsets in ``consultations.admin``). docs/modules.md
says how to add one; ``tests/consultations/test_modules.py`` checks every registered module
filled every registry.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from django.apps import apps
from django.utils import timezone


@dataclass(frozen=True)
class ModuleType:
    """What a kind of participation module declares (see docs/modules.md)."""

    label: str
    """Short name, also the key in the registries outside this package ("discussion")."""
    model: str
    """The model of its instances, as "app_label.ModelName"."""
    verbs: frozenset[str]
    """What residents do in it (``consultations.phases.Verb`` values)."""
    default_phase_verbs: Mapping[str, frozenset[str]]
    """Phase kind → the verbs open by default in such a phase. An instance may instead be open
    only in phases an editor chose (``PhasedModule.open_in_phases``)."""
    permissions: frozenset[str]
    """The named rules it brings (defined in consultations/rules.py, the one place)."""
    can_view: Callable[[object, object], bool]
    """``can_view(user, instance)``: may this person see the instance at all."""
    visible: Callable[[object, object], object]
    """``visible(queryset, user)``: the instances of a queryset this person may see (agrees
    with ``can_view``: a property test checks it)."""
    live_event_types: frozenset[str]
    """The ``type`` of every live event it broadcasts."""
    notification_kinds: frozenset[str]
    """The kinds of notices it sends people."""
    personal_data: Callable[[object], object]
    """``personal_data(user)``: its part of a person's data export (JSON-ready)."""
    on_account_deleted: Callable[[object], None]
    """Called inside the account deletion's transaction: what happens to the person's data."""
    search: str
    """How its content is found in site search, or why it is not."""
    staff_exports: Mapping[str, Callable] = field(default_factory=dict)
    """Name → callable producing an export for staff (CSV/XLSX/GeoJSON); may be empty."""
    owns_discussions: bool = False
    """Its instances may own discussions, which then ask it whether commenting is open and
    who may see them (members-only discussions of a council session, say)."""
    opening_dates: Callable[[object], tuple[datetime | None, datetime | None] | None] | None = None
    """For instances outside consultations (a quick poll on the home page): their own
    ``(opens, closes)``; None where the consultation's phases decide."""


_modules: dict[str, ModuleType] = {}


def register(module: ModuleType) -> ModuleType:
    """Add a module type (from the module's own file, imported by the app's ``ready()``)."""
    if module.label in _modules and _modules[module.label] != module:
        raise ValueError(f"A participation module {module.label!r} is already registered.")
    _modules[module.label] = module
    return module


def unregister(label: str) -> None:
    """Forget a module type (tests register example modules and clean up)."""
    _modules.pop(label, None)


def registered() -> list[ModuleType]:
    return list(_modules.values())


def module_for(instance) -> ModuleType | None:
    """The module type an object is an instance of, or None (a consultation, a comment...)."""
    model = type(instance)
    for module in _modules.values():
        try:
            module_model = apps.get_model(module.model)
        except (LookupError, ValueError):
            module_model = None
        if module_model is not None and isinstance(instance, module_model):
            return module
        if module_model is None and f"{model.__module__}.{model.__qualname__}" == module.model:
            return module
    return None


def owner_of(instance):
    """The participation object an instance belongs to (a discussion of an idea asks the idea
    whether commenting is open and who may see it), or None: only owners whose module
    ``owns_discussions`` count."""
    if getattr(instance, "owner_type_id", None) is None:
        return None
    owner = instance.owner
    if owner is None:
        return None
    module = module_for(owner)
    return owner if module is not None and module.owns_discussions else None


def module_instance_of(target):
    """The module instance a permission target belongs to: itself, or the discussion of a
    comment (rules are asked about comments as well as discussions)."""
    if target is None or module_for(target) is not None:
        return target
    discussion = getattr(target, "discussion", None)
    if discussion is not None:
        return discussion
    return target


def can_view(user, target) -> bool:
    """May the person see the module instance ``target`` belongs to (True for targets that are
    no module's: the consultation's visibility decides those)."""
    instance = module_instance_of(target)
    module = module_for(instance) if instance is not None else None
    return True if module is None else bool(module.can_view(user, instance))


def verb_open(target, verb: str, *, now: datetime | None = None) -> bool:
    """Whether residents may ``verb`` in ``target`` now, by the module's data.

    - An instance owned by another object (a discussion of an idea) asks its owner.
    - An instance with dates of its own (the module's ``opening_dates``, e.g. a quick poll
      outside any consultation) is open between them.
    - An instance limited to phases an editor chose is open in those phases only.
    - Otherwise the module's default for the kind of the consultation's running phase.
    - A consultation itself (no module): open if any module would open the verb there.
    """
    now = now or timezone.now()
    target = module_instance_of(target)
    if target is None:
        return False
    owner = owner_of(target)
    if owner is not None:
        return verb_open(owner, verb, now=now)
    module = module_for(target)
    if module is None:
        return _consultation_opens(target, verb, now)
    if verb not in module.verbs:
        return False
    dates = module.opening_dates(target) if module.opening_dates else None
    if dates is not None:
        opens, closes = dates
        return (opens is None or opens <= now) and (closes is None or now < closes)
    consultation = getattr(target, "consultation", None)
    if consultation is None:
        return False
    phase = consultation.phase_at(now)
    if phase is None:
        return False
    chosen = target.chosen_phase_ids() if hasattr(target, "chosen_phase_ids") else frozenset()
    if chosen:
        return phase.pk in chosen
    return verb in module.default_phase_verbs.get(phase.kind, frozenset())


def _consultation_opens(consultation, verb: str, now: datetime) -> bool:
    phase_at = getattr(consultation, "phase_at", None)
    if phase_at is None:
        return False
    phase = phase_at(now)
    if phase is None:
        return False
    return any(
        verb in module.default_phase_verbs.get(phase.kind, frozenset())
        for module in _modules.values()
    )
