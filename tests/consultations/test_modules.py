"""The participation-module contract (docs/modules.md): every registered module fills every
registry, and a module can be added from its own file, as the example modules here are."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import pytest
import rules
from django.contrib.auth.models import AnonymousUser, Group
from django.contrib.contenttypes.models import ContentType
from django.db.models import Model
from django.template.loader import get_template
from django.utils import timezone

from consultations import notices, registry
from consultations.phases import PhaseKind, Verb
from tests.factories import make_consultation, make_discussion, make_user

NOW = timezone.now()


NO_PHASE_VERBS = {"council"}


@pytest.mark.django_db
def test_every_registered_module_fills_every_registry():
    from django.apps import apps
    from wagtail.snippets.models import get_snippet_models

    from cms.models import ConsultationPage

    assert sorted(module.label for module in registry.registered()) == [
        "council",
        "discussion",
        "quick_poll",
        "survey",
    ]
    body_blocks = ConsultationPage._meta.get_field("body").stream_block.child_blocks.values()
    chosen_models = {
        getattr(child, "target_model", None)
        for block in body_blocks
        for child in getattr(block, "child_blocks", {}).values()
    }
    personal_keys: set[str] = set()
    for module in registry.registered():
        model = apps.get_model(module.model)
        # A council has no phase verbs (docs/councils.md): invited people register by code.
        assert module.verbs or module.label in NO_PHASE_VERBS, module.label
        assert module.verbs <= set(Verb.values), module.label
        assert set(module.default_phase_verbs) <= set(PhaseKind.values), module.label
        for verbs in module.default_phase_verbs.values():
            assert verbs <= module.verbs, module.label
        for name in module.permissions:
            assert rules.perm_exists(name), name
        # A module may have no live events (a quick poll shows its result on answering).
        assert isinstance(module.live_event_types, frozenset), module.label
        for event_type in module.live_event_types:
            area, _, what = event_type.partition(".")
            assert area and what, event_type
        # Every notice kind it lists is a registered renderer with a template that exists.
        for name in module.notification_kinds:
            kind = notices.kind(name)
            assert kind is not None, f"{module.label}: notice kind {name!r} is not registered"
            get_template(kind.template)
        assert callable(module.can_view) and callable(module.visible)
        assert callable(module.on_account_deleted)
        assert module.search.strip(), module.label
        assert isinstance(module.staff_exports, dict)
        # Registries outside the package: a page block places it, the admin manages it.
        assert model in chosen_models, f"no page block chooses {module.model}"
        assert model in get_snippet_models(), f"no admin viewset for {module.model}"
        # Its part of the personal export, under keys no other module uses.
        keys = set(module.personal_data(make_user()))
        assert not keys & personal_keys, keys
        personal_keys |= keys


# --- An example module outside consultations: a quick poll with its own dates --------------


@dataclass(eq=False)
class QuickPoll:
    """Not a database model: the contract asks only what the module declares."""

    opens: object
    closes: object
    consultation = None


@pytest.fixture
def quick_polls():
    module = registry.register(
        registry.ModuleType(
            label="example_quick_poll",
            model=f"{QuickPoll.__module__}.{QuickPoll.__qualname__}",
            verbs=frozenset({Verb.VOTE}),
            default_phase_verbs={},
            permissions=frozenset(),
            can_view=lambda user, poll: True,
            visible=lambda queryset, user: queryset,
            live_event_types=frozenset({"poll.results_changed"}),
            notification_kinds=frozenset(),
            personal_data=lambda user: {},
            on_account_deleted=lambda user: None,
            search="Not in site search.",
            opening_dates=lambda poll: (poll.opens, poll.closes),
        )
    )
    yield module
    registry.unregister(module.label)


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        (NOW - timedelta(days=2), False),
        (NOW - timedelta(days=1), True),
        (NOW, True),
        (NOW + timedelta(days=1), False),
    ],
)
def test_an_object_outside_consultations_is_open_between_its_own_dates(
    quick_polls, moment, expected
):
    poll = QuickPoll(opens=NOW - timedelta(days=1), closes=NOW + timedelta(days=1))
    assert registry.verb_open(poll, Verb.VOTE, now=moment) is expected
    # Only the verbs the module declares.
    assert registry.verb_open(poll, Verb.COMMENT, now=NOW) is False


# --- An example module that owns discussions: members-only, with dates of its own ----------


@pytest.fixture
def working_groups():
    """Groups of people as a participation module (as a council session will be): only
    members see their discussion, and commenting is open while the group meets."""
    meets: dict[int, tuple] = {}
    module = registry.register(
        registry.ModuleType(
            label="example_working_group",
            model="auth.Group",
            verbs=frozenset({Verb.COMMENT, Verb.REACT}),
            default_phase_verbs={},
            permissions=frozenset(),
            can_view=lambda user, group: bool(
                getattr(user, "pk", None) and user.groups.filter(pk=group.pk).exists()
            ),
            visible=lambda queryset, user: (
                queryset.filter(user=user) if getattr(user, "pk", None) else queryset.none()
            ),
            live_event_types=frozenset({"group.changed"}),
            notification_kinds=frozenset(),
            personal_data=lambda user: {},
            on_account_deleted=lambda user: None,
            search="Not in site search: members only.",
            owns_discussions=True,
            opening_dates=lambda group: meets.get(group.pk),
        )
    )
    yield meets
    registry.unregister(module.label)


@pytest.mark.django_db
def test_a_discussion_owned_by_a_members_only_object_asks_its_owner(client, working_groups):
    consultation = make_consultation(active=PhaseKind.INFORMATION)  # would not open commenting
    group = Group.objects.create(name="Arbeitsgruppe Stadthalle")
    member, outsider = make_user(), make_user()
    member.groups.add(group)
    discussion = make_discussion(
        consultation,
        owner_type=ContentType.objects.get_for_model(Group),
        owner_id=group.pk,
    )
    working_groups[group.pk] = (NOW - timedelta(hours=1), NOW + timedelta(hours=1))

    assert rules.has_perm("consultations.view_consultation", member, discussion)
    assert not rules.has_perm("consultations.view_consultation", outsider, discussion)
    assert not rules.has_perm("consultations.view_consultation", AnonymousUser(), discussion)
    assert rules.has_perm("consultations.add_comment", member, discussion)
    assert not rules.has_perm("consultations.add_comment", outsider, discussion)

    client.force_login(outsider)
    assert client.get(f"/diskussionen/{discussion.pk}/").status_code == 404
    client.force_login(member)
    assert client.get(f"/diskussionen/{discussion.pk}/").status_code == 200

    working_groups[group.pk] = (NOW - timedelta(hours=2), NOW - timedelta(hours=1))
    member = type(member).objects.get(pk=member.pk)
    assert not rules.has_perm("consultations.add_comment", member, discussion)


@pytest.mark.django_db
def test_modules_stay_apart_from_models_they_do_not_own():
    consultation = make_consultation()
    assert registry.module_for(consultation) is None
    assert registry.module_for(make_discussion(consultation)).label == "discussion"
    assert isinstance(make_discussion(consultation), Model)
