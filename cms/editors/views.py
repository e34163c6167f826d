"""The "new consultation" admin view: permission, form, one action, redirect."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.generic import FormView
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from cms.actions import set_up_consultation
from cms.editors.forms import NewConsultationForm
from consultations import actions
from consultations.actions import ActionError


class NewConsultationView(WagtailAdminTemplateMixin, FormView):
    """Set up a consultation with its phases, modules and page from one form, then continue
    in the page editor (for the page's text and pictures)."""

    template_name = "cms/admin/new_consultation.html"
    form_class = NewConsultationForm
    page_title = _("New consultation")
    header_icon = "group"

    def dispatch(self, request, *args, **kwargs):
        if not request.user.has_perm("consultations.add_consultation"):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["action_url"] = self.request.path
        context["submit_button_label"] = _("Create consultation")
        context["submit_button_active_label"] = _("Creating…")
        context["media"] = context["form"].media
        return context

    def form_valid(self, form):
        try:
            page = set_up_consultation(editor=self.request.user, **form.action_arguments())
        except actions.PermissionDenied as error:
            raise PermissionDenied(error.message) from error
        except ActionError as error:
            field = error.code if error.code in form.fields else NON_FIELD_ERRORS
            form.add_error(field, error.message)
            return self.form_invalid(form)
        if page.live:
            message = _("“%(title)s” is set up and its page is published.")
        else:
            message = _("“%(title)s” is set up; its page is saved as a draft.")
        messages.success(self.request, message % {"title": page.title})
        return redirect(reverse("wagtailadmin_pages:edit", args=(page.pk,)))
