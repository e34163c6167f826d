from django.utils.functional import SimpleLazyObject


def account(request):
    """Per-person header links, computed only if a template asks (cached pages never do)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}

    def unread():
        from consultations.models import Notification

        return Notification.objects.filter(recipient=user, read_at__isnull=True).count()

    def moderates():
        from consultations.selectors import moderated_consultations

        return moderated_consultations(user).exists()

    return {
        "unread_notifications": SimpleLazyObject(unread),
        "user_moderates": SimpleLazyObject(moderates),
    }
