"""Exports of what we store: a person's own data (GDPR Art. 15 and 20)."""

from __future__ import annotations

from django.utils import timezone

from consultations import notices, registry
from consultations.models import ConsultationMembership, Notification, User


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
            "preferred_language": user.preferred_language or None,
            "district": user.district.name if user.district_id else None,
            "date_joined": user.date_joined.isoformat(),
            "last_login": user.last_login.isoformat() if user.last_login else None,
            "page_to_return_to_after_confirming": user.signup_next or None,
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
    for module in registry.registered():
        data.update(module.personal_data(user))
    # Rendered as the person reads them (in their language, links built now), with the stored
    # facts beside the text.
    data["notifications"] = [
        {
            "created": notice.notification.created.isoformat(),
            "kind": notice.notification.kind,
            "title": notice.title,
            "text": notice.text,
            "url": notice.url,
            "read": notice.notification.read_at.isoformat()
            if notice.notification.read_at
            else None,
            "parameters": notice.notification.params,
        }
        for notice in (
            notices.render(notification, language=user.language)
            for notification in Notification.objects.filter(recipient=user)
            .select_related("target_type")
            .prefetch_related("target")
            .order_by("pk")
        )
    ]
    return data
