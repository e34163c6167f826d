"""Reads that take a user or span models."""

from __future__ import annotations

from collections.abc import Callable

import rules
from django.db.models import Q
from django.utils import timezone

from consultations.models import Consultation, ConsultationMembership, User
from consultations.predicates import PROSPECTIVE_RESIDENT, is_admin, is_editor, is_site_moderator

# Later modules (discussions, surveys, ideas) register a function returning their part of a
# person's data export: ``PERSONAL_DATA_SECTIONS["comments"] = comments_of``.
PERSONAL_DATA_SECTIONS: dict[str, Callable[[User], object]] = {}


def personal_data_export(user: User) -> dict:
    """Everything we store about a person, as JSON-ready data (GDPR Art. 15 and 20)."""
    from allauth.account.models import EmailAddress

    data = {
        "exported_at": timezone.now().isoformat(),
        "account": {
            "email": user.email,
            "pseudonym": user.pseudonym,
            "first_name": user.first_name,
            "last_name": user.last_name,
            "show_real_name": user.show_real_name,
            "district": user.district.name if user.district_id else None,
            "date_joined": user.date_joined.isoformat(),
            "last_login": user.last_login.isoformat() if user.last_login else None,
        },
        "email_addresses": [
            {"email": address.email, "verified": address.verified, "primary": address.primary}
            for address in EmailAddress.objects.filter(user=user).order_by("pk")
        ],
        "roles": sorted(user.groups.values_list("name", flat=True)),
        "consultation_roles": [
            {"consultation": membership.consultation.title, "role": membership.role}
            for membership in ConsultationMembership.objects.filter(user=user)
            .select_related("consultation")
            .order_by("pk")
        ],
    }
    for name, section in PERSONAL_DATA_SECTIONS.items():
        data[name] = section(user)
    return data


def visible_consultations(user):
    """Consultations this person may see: public ones, plus private ones they belong to."""
    qs = Consultation.objects.all()
    if (is_site_moderator | is_editor | is_admin)(user):
        return qs
    if getattr(user, "is_authenticated", False):
        member_of = ConsultationMembership.objects.filter(user=user).values("consultation_id")
        return qs.filter(Q(visibility=Consultation.Visibility.PUBLIC) | Q(pk__in=member_of))
    return qs.public()


def would_resident_be_allowed(permission: str, target) -> bool:
    """Would signing up (as a verified resident without special roles) allow ``permission``?

    Drives "log in to take part" prompts for anonymous visitors.
    """
    return rules.has_perm(permission, PROSPECTIVE_RESIDENT, target)
