"""Citizens' councils (Bürgerräte), the fourth participation module (docs/councils.md).

Who sees a council: its page is as public as its consultation once published; drafts only
its organisers and admins. Residents take no part through phases: ``verbs`` is empty on
purpose. Invited people will register with a personal code (stage 2), members work in
sessions later, neither of which is a phase verb; each brings its own rules when it lands.
Register entries are personal data of people without accounts: organisers only, never in a
person's data export (they are nobody's account's), deleted by ``delete_register``.
"""

from __future__ import annotations

from consultations.registry import ModuleType, register


def _organised_ids(user) -> set[int]:
    """The councils this person organises (the rule also asks for the site group)."""
    from consultations.predicates import is_council_organiser

    if not getattr(user, "pk", None) or not is_council_organiser(user):
        return set()
    return set(user.council_organiser_roles.values_list("council_id", flat=True))


def can_view(user, council) -> bool:
    import rules

    from consultations.predicates import is_admin

    if is_admin(user) or rules.has_perm("consultations.organise_council", user, council):
        return True
    if not council.is_published:
        return False
    return rules.has_perm("consultations.view_consultation", user, council.consultation)


def visible(queryset, user):
    from django.db.models import Q

    from consultations.predicates import is_admin
    from consultations.selectors import visible_consultations

    if is_admin(user):
        return queryset
    published = Q(status="published", consultation__in=visible_consultations(user).values("pk"))
    return queryset.filter(published | Q(pk__in=_organised_ids(user)))


def personal_data(user) -> dict:
    """The councils a person organises (register entries belong to no account)."""
    from consultations.models import CouncilOrganiser

    roles = CouncilOrganiser.objects.filter(user=user).select_related("council").order_by("pk")
    return {
        "council_organiser_roles": [
            {"council": role.council.title, "since": role.created.isoformat()} for role in roles
        ]
    }


def end_organiser_roles(user) -> None:
    """A deleted account organises nothing any more."""
    from consultations.models import CouncilOrganiser

    CouncilOrganiser.objects.filter(user=user).delete()


COUNCIL = register(
    ModuleType(
        label="council",
        model="consultations.Council",
        verbs=frozenset(),
        default_phase_verbs={},
        permissions=frozenset(
            {
                "consultations.organise_council",
                "consultations.view_council",
                "consultations.add_council",
                "consultations.change_council",
                "consultations.delete_council",
            }
        ),
        can_view=lambda user, council: can_view(user, council),
        visible=lambda queryset, user: visible(queryset, user),
        live_event_types=frozenset(),
        notification_kinds=frozenset(),
        personal_data=personal_data,
        on_account_deleted=end_organiser_roles,
        search=(
            "Not in site search yet: a published council is reached from its consultation's "
            "page; drafts and register data are never indexed."
        ),
        staff_exports={},
    )
)
