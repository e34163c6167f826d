"""Site-wide roles are Django groups with these names (created by a data migration).

Per-consultation roles (invited participant, moderator) are ConsultationMembership rows.
Admins are superusers. Editors use Wagtail's own "Editors" group.
"""

from django.utils.translation import gettext_lazy as _

SITE_MODERATORS = "Site moderators"
EDITORS = "Editors"
COUNCIL_ORGANISERS = "Council organisers"

SITE_ROLE_GROUPS = {
    SITE_MODERATORS: _("Moderators for every consultation"),
    EDITORS: _("Communication staff: publish pages and run consultations"),
    COUNCIL_ORGANISERS: _("Run citizens' councils"),
}
