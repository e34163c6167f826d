"""The person chooser: finding an account to give a role in a consultation."""

from django import forms
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms.choosers import BaseFilterForm
from wagtail.admin.ui.tables import Column
from wagtail.admin.views.generic.chooser import ChooseResultsView, ChooseView
from wagtail.admin.viewsets.chooser import ChooserViewSet

from consultations.models import User


class PersonFilterForm(BaseFilterForm):
    """Find a person by pseudonym, e-mail address or name (a select of every account would
    not scale to a city)."""

    q = forms.CharField(label=_("Search term"), required=False)

    def filter(self, objects):
        objects = super().filter(objects)
        query = (self.cleaned_data.get("q") or "").strip()
        if query:
            objects = objects.filter(
                Q(pseudonym__icontains=query)
                | Q(email__icontains=query)
                | Q(first_name__icontains=query)
                | Q(last_name__icontains=query)
            )
            self.is_searching = True
            self.search_query = query
        return objects


class PersonChooseViewMixin:
    filter_form_class = PersonFilterForm

    def dispatch(self, request, *args, **kwargs):
        # E-mail addresses are listed: only for people who hand out consultation roles.
        if not (
            request.user.has_perm("consultations.add_consultationmembership")
            or request.user.has_perm("consultations.change_consultationmembership")
        ):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    @property
    def columns(self):
        return [*super().columns, Column("email", label=_("E-mail address"))]


class PersonChooseView(PersonChooseViewMixin, ChooseView):
    pass


class PersonChooseResultsView(PersonChooseViewMixin, ChooseResultsView):
    pass


class PersonChooserViewSet(ChooserViewSet):
    """Choose an active account when giving someone a role in a consultation."""

    model = User
    icon = "user"
    choose_one_text = _("Choose a person")
    choose_another_text = _("Choose another person")
    per_page = 20
    choose_view_class = PersonChooseView
    choose_results_view_class = PersonChooseResultsView

    def get_object_list(self):
        return User.objects.filter(is_active=True, deleted_at__isnull=True).order_by("pseudonym")


person_chooser_viewset = PersonChooserViewSet("consultation_person_chooser")
