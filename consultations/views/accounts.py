import json

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from consultations.actions import accounts as account_actions
from consultations.exports import personal_data_export
from consultations.forms import DeleteAccountForm, ProfileForm


@login_required
@require_http_methods(["GET", "POST"])
def profile(request):
    form = ProfileForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            account_actions.update_profile(user=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Your profile was saved."))
            return redirect("profile")
    return render(request, "consultations/accounts/profile.html", {"form": form})


JSON_MARKUP_ESCAPES = {ord("<"): "\\u003c", ord(">"): "\\u003e", ord("&"): "\\u0026"}


@login_required
@require_http_methods(["GET"])
def export_data(request):
    data = personal_data_export(request.user)
    response = HttpResponse(
        # "<", ">" and "&" only occur inside JSON strings: escaped there, no markup survives
        # even in a viewer that ignores the content type (the download is also nosniff).
        json.dumps(data, ensure_ascii=False, indent=2).translate(JSON_MARKUP_ESCAPES),
        content_type="application/json; charset=utf-8",
    )
    filename = f"mitreden-daten-{timezone.localdate().isoformat()}.json"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_http_methods(["GET", "POST"])
def delete_account(request):
    form = DeleteAccountForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        user = request.user
        logout(request)
        account_actions.delete_account(user=user)
        messages.success(
            request,
            _("Your account was deleted. Your contributions remain as “deleted account”."),
        )
        return redirect("/")
    return render(request, "consultations/accounts/delete.html", {"form": form})
