"""Admin behaviour of the editorial pages."""

from django.contrib import messages
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from wagtail import hooks


@hooks.register("before_copy_page")
def refuse_copying_consultation_pages(request, page):
    """A consultation has exactly one page; a copy would need a consultation of its own."""
    from cms.models import ConsultationPage

    if isinstance(page.specific, ConsultationPage):
        messages.error(
            request,
            _("A consultation page cannot be copied: create a new consultation and its page."),
        )
        return redirect("wagtailadmin_explore", page.get_parent().pk)
    return None
