"""List and detail agree: for every participation model, the queryset a person is shown
(``visible``) holds exactly the objects they may open (``can_view``), whatever the mix of
public and private consultations, memberships and roles (property-based, hypothesis)."""

from __future__ import annotations

from datetime import timedelta

import pytest
import rules
from django.apps import apps
from django.contrib.auth.models import AnonymousUser
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from consultations import registry, roles, selectors
from consultations.actions.polls import create_poll
from consultations.actions.surveys import create_survey
from consultations.models import Consultation, ConsultationMembership
from tests.factories import add_member, make_consultation, make_discussion, make_user

pytestmark = pytest.mark.django_db

ROLES = ["anonymous", "resident", "participant", "moderator_here", "site_moderator", "editor"]

worlds = st.fixed_dictionaries(
    {
        "consultations": st.lists(st.booleans(), min_size=1, max_size=4),  # True: private
        "discussions_per_consultation": st.integers(min_value=0, max_value=2),
        "role": st.sampled_from(ROLES),
        "member_of": st.sets(st.integers(min_value=0, max_value=3), max_size=4),
        # Per consultation: a survey that is a draft (False) or published (True), or none.
        "surveys": st.lists(st.sampled_from([None, False, True]), min_size=4, max_size=4),
        "polls": st.lists(st.booleans(), max_size=3),  # True: published
    }
)


def build(world):
    consultations = [
        make_consultation(
            visibility=Consultation.Visibility.PRIVATE
            if private
            else Consultation.Visibility.PUBLIC
        )
        for private in world["consultations"]
    ]
    builder = make_user(groups=(roles.EDITORS,))
    for index, consultation in enumerate(consultations):
        for _ in range(world["discussions_per_consultation"]):
            make_discussion(consultation)
        published = world["surveys"][index]
        if published is not None:
            create_survey(
                editor=builder,
                consultation=consultation,
                title="Umfrage",
                questions=[{"kind": "yes_no", "text": "Ja?"}],
                status="published" if published else "draft",
            )
    now = timezone.now()
    for published in world["polls"]:
        create_poll(
            editor=builder,
            question="Frage?",
            opens=now - timedelta(days=1),
            closes=now + timedelta(days=1),
            choices=[{"label": "Ja"}, {"label": "Nein"}],
            is_published=published,
        )
    role = world["role"]
    if role == "anonymous":
        return AnonymousUser()
    groups = {"site_moderator": (roles.SITE_MODERATORS,), "editor": (roles.EDITORS,)}
    user = make_user(groups=groups.get(role, ()))
    membership = {
        "participant": ConsultationMembership.Role.PARTICIPANT,
        "moderator_here": ConsultationMembership.Role.MODERATOR,
    }.get(role)
    if membership:
        for index in world["member_of"]:
            if index < len(consultations):
                add_member(consultations[index], user, membership)
    return user


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(world=worlds)
def test_consultations_and_discussions_list_what_they_show(world):
    with transaction.atomic():
        user = build(world)
        listed = set(selectors.visible_consultations(user))
        opened = {
            c
            for c in Consultation.objects.all()
            if rules.has_perm("consultations.view_consultation", user, c)
        }
        assert listed == opened

        # Every registered module: its list agrees with its detail.
        for module in registry.registered():
            model = apps.get_model(module.model)
            listed = set(module.visible(model.objects.all(), user))
            opened = {o for o in model.objects.all() if module.can_view(user, o)}
            assert listed == opened, module.label
            # And the named rule the views ask says the same as the module.
            for instance in model.objects.all():
                view_rule = f"consultations.view_{model._meta.model_name}"
                if rules.perm_exists(view_rule):
                    assert rules.has_perm(view_rule, user, instance) is (instance in opened)
        transaction.set_rollback(True)
