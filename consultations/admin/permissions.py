"""The admin's permission policy for our models: the named rules, nothing else.

Every participation viewset's model gets a ``RulesPermissionPolicy``: Wagtail's question "may
this person <action> <model>?" becomes the rule ``consultations.<action>_<model>``
(``consultations/rules.py``), asked without an object for listings, menus and the add view
and with the object for an instance. A name that has no rule is refused, to superusers too:
that is what keeps blocks and moderation decisions view-only (they have only ``view_``
rules). So the menus, the views, the buttons and the actions agree, and Django model
permissions of our app are not read (cms migration 0008 took them from the groups).

Wagtail's own page, image and document permissions and ``wagtailadmin.access_admin`` are not
ours and stay as Wagtail has them.
"""

from __future__ import annotations

from collections.abc import Iterable

import rules
from django.db.models import Q
from wagtail.permission_policies import BasePermissionPolicy
from wagtail.permissions import register_permission_policy

from consultations import roles
from consultations.models import User


def rule_name(model, action: str) -> str:
    return f"{model._meta.app_label}.{action}_{model._meta.model_name}"


def allowed(user, name: str, instance=None) -> bool:
    """The rule ``name`` for ``user`` (and ``instance``); no rule, or an inactive or
    anonymous person: refused."""
    return bool(
        getattr(user, "is_active", False)
        and rules.perm_exists(name)
        and rules.has_perm(name, user, instance)
    )


def candidates():
    """The people a rule of the admin can allow at all: active superusers and members of the
    site role groups (``consultations.roles``). Model-level rules are made of these roles
    (``is_admin``, ``is_editor``, ``is_site_moderator``, ...); a per-consultation role never
    opens an admin listing. A bounded set, so asking "who may?" costs one query for the
    candidates and the rule in Python for each."""
    return User.objects.filter(
        Q(is_superuser=True) | Q(groups__name__in=list(roles.SITE_ROLE_GROUPS)),
        is_active=True,
    ).distinct()


class RulesPermissionPolicy(BasePermissionPolicy):
    """Wagtail's permission questions for one model, answered by the named rules."""

    def user_has_permission(self, user, action):
        return allowed(user, rule_name(self.model, action))

    def user_has_any_permission(self, user, actions):
        return any(self.user_has_permission(user, action) for action in actions)

    def user_has_permission_for_instance(self, user, action, instance):
        return allowed(user, rule_name(self.model, action), instance)

    def users_with_any_permission(self, actions: Iterable[str]):
        """Who may do any of ``actions`` to some instance (Wagtail asks this rarely, e.g. for
        whom to notify): the candidates whose rule allows, asked without an object."""
        return self._filter(candidates(), actions, None)

    def users_with_any_permission_for_instance(self, actions: Iterable[str], instance):
        return self._filter(candidates(), actions, instance)

    def _filter(self, people, actions, instance):
        names = [rule_name(self.model, action) for action in actions]
        chosen = [
            person.pk for person in people if any(allowed(person, name, instance) for name in names)
        ]
        return User.objects.filter(pk__in=chosen)


def register_rules_policies(models: Iterable) -> None:
    """Give each model the rules policy; must run before any viewset asks for a policy
    (Wagtail refuses a registration after its fallback policy was made)."""
    for model in models:
        register_permission_policy(model, RulesPermissionPolicy(model))
