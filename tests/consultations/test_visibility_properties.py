"""List and detail agree: for every participation model, the queryset a person is shown
(``visible``) holds exactly the objects they may open (``can_view``), whatever the mix of
public and private consultations, memberships and roles (property-based, hypothesis)."""

from __future__ import annotations

import pytest
import rules
from django.contrib.auth.models import AnonymousUser
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from consultations import registry, roles, selectors
from consultations.models import Consultation, ConsultationMembership, Discussion
from tests.factories import add_member, make_consultation, make_discussion, make_user

pytestmark = pytest.mark.django_db

ROLES = ["anonymous", "resident", "participant", "moderator_here", "site_moderator", "editor"]

worlds = st.fixed_dictionaries(
    {
        "consultations": st.lists(st.booleans(), min_size=1, max_size=4),  # True: private
        "discussions_per_consultation": st.integers(min_value=0, max_value=2),
        "role": st.sampled_from(ROLES),
        "member_of": st.sets(st.integers(min_value=0, max_value=3), max_size=4),
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
    for consultation in consultations:
        for _ in range(world["discussions_per_consultation"]):
            make_discussion(consultation)
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

        discussion_module = registry.module_for(Discussion())
        listed = set(discussion_module.visible(Discussion.objects.all(), user))
        opened = {d for d in Discussion.objects.all() if discussion_module.can_view(user, d)}
        assert listed == opened
        transaction.set_rollback(True)
