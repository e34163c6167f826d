"""Admin behaviour of the editorial pages, and the editors' short way to a new consultation."""

from django.contrib import messages
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from wagtail import hooks
from wagtail.admin.menu import MenuItem

from cms.editors.views import NewConsultationView


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


@hooks.register("after_edit_snippet")
def consultation_page_follows_its_title(request, instance):
    """A renamed consultation renames its page (tree, menus, search results)."""
    from cms.actions import follow_consultation_title
    from cms.models import ConsultationPage
    from consultations.models import Consultation

    if not isinstance(instance, Consultation):
        return None
    page = ConsultationPage.objects.filter(consultation=instance).first()
    if page is not None:
        follow_consultation_title(editor=request.user, page=page)
    return None


@hooks.register("register_admin_urls")
def register_new_consultation_url():
    return [
        path(
            "consultations/new/",
            NewConsultationView.as_view(),
            name="cms_new_consultation",
        )
    ]


class NewConsultationMenuItem(MenuItem):
    """First in the "Participation" menu, for people the rules let add consultations."""

    def is_shown(self, request):
        return request.user.has_perm("consultations.add_consultation")


@hooks.register("register_participation_menu_item")
def new_consultation_menu_item():
    return NewConsultationMenuItem(
        gettext_lazy("New consultation"),
        reverse("cms_new_consultation"),
        icon_name="plus",
        order=1,
    )
