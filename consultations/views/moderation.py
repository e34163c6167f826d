"""The moderation queue, moderators' decisions, blocks, the public log, and notifications."""

from __future__ import annotations

from datetime import datetime, time

import rules
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from consultations import notices, selectors
from consultations.actions import ActionError
from consultations.actions import moderation as actions
from consultations.actions.notices import mark_all_read
from consultations.forms import BlockForm, HideForm, QueueFilterForm
from consultations.models import Comment, Consultation, Notification
from consultations.views.discussions import wants_json


def _next_url(request, default: str) -> str:
    url = request.POST.get("next") or request.GET.get("next")
    if url and url_has_allowed_host_and_scheme(url, {request.get_host()}, request.is_secure()):
        return url
    return default


def _moderated_comment(request, pk) -> Comment:
    """The comment if this person moderates its consultation; "not found" for everybody else
    (moderators of other consultations included), as for any comment they may not see."""
    comment = (
        Comment.objects.select_related("discussion__consultation", "author").filter(pk=pk).first()
    )
    if comment is None or not rules.has_perm(
        "consultations.moderate_discussion", request.user, comment
    ):
        raise Http404
    return comment


@login_required
@require_GET
def comment_detail(request, pk):
    """One comment as its moderators see it, in any state: the text (also while held or
    hidden, marked as such), earlier wordings, reports and every decision, with the buttons."""
    comment = _moderated_comment(request, pk)
    return render(
        request,
        "consultations/moderation/comment.html",
        {
            "item": comment,
            "revisions": comment.revisions.order_by("created", "pk"),
            "reports": comment.reports.order_by("created", "pk"),
            "decisions": comment.decisions.select_related("moderator").order_by("created", "pk"),
        },
    )


@login_required
@require_GET
def queue(request):
    """The moderation queue: one page of what waits, filtered, with counts per filter value.

    ``?partial=1`` answers the list part alone, for the live refresh of the page shown.
    """
    consultations = list(
        selectors.moderated_consultations(request.user).order_by("title").values_list("pk", "title")
    )
    if not consultations:
        raise DjangoPermissionDenied
    form = QueueFilterForm(
        request.GET,
        consultations=consultations,
        reasons=selectors.queue_reasons(),
        states={key: label for key, (label, _q) in selectors.QUEUE_STATES.items()},
        ages={key: label for key, (label, *_) in selectors.QUEUE_AGES.items()},
        sorts={key: label for key, (label, _o) in selectors.QUEUE_SORTS.items()},
    )
    filters = selectors.QueueFilters(**form.valid_values())
    requested_page = request.GET.get("page", "")
    result = selectors.moderation_queue_page(
        request.user, filters=filters, page=requested_page or 1
    )
    page_obj = result["page_obj"]
    page_query = filters.query(page=page_obj.number if page_obj.number > 1 else "")
    queue_url = reverse("moderation_queue") + (f"?{page_query}" if page_query else "")
    context = {
        **result,
        "form": form,
        "filters": filters,
        "facets": _facets(form, filters, result),
        "page_moved": requested_page.isdigit() and requested_page != str(page_obj.number),
        "queue_url": queue_url,
        "partial_url": reverse("moderation_queue")
        + "?"
        + filters.query(page=page_obj.number if page_obj.number > 1 else "", partial=1),
        "filter_query": filters.query(),
        "is_filtered": bool(filters.query()),
        # One socket for every consultation shown: events of other consultations change the
        # counts in the filters too.
        "live_socket": "/ws/moderation/",
    }
    status = 400 if form.errors else 200
    if request.GET.get("partial") == "1":
        return render(request, "consultations/moderation/_queue_items.html", context, status=status)
    return render(request, "consultations/moderation/queue.html", context, status=status)


ALL_LABELS = {
    "consultation": gettext_lazy("All consultations I moderate"),
    "reason": gettext_lazy("Any reason"),
    "state": gettext_lazy("Any state"),
    "age": gettext_lazy("Any waiting time"),
}


def _facets(form, filters, result) -> list[dict]:
    """Each filter as a select: its options with how many items each would show."""
    counts = result["counts"]
    facets = []
    for name in ("consultation", "reason", "state", "age"):
        field = form.fields[name]
        by_value = counts[name]
        options = [
            {
                "value": value,
                "label": label,
                "count": by_value.get(value, 0),
                "selected": value == getattr(filters, name),
            }
            for value, label in field.choices
            if value != ""
        ]
        facets.append(
            {
                "name": name,
                "label": field.label,
                "all_label": ALL_LABELS[name],
                "all_count": by_value.get("", 0),
                "options": options,
                "errors": form.errors.get(name, []),
            }
        )
    return facets


DECISIONS = {"approve", "hide", "restore", "pin", "unpin", "official", "unofficial"}


@login_required
@require_POST
def decide(request, pk):
    """One click in the queue or under a comment: approve, hide, restore, pin, official."""
    comment = _moderated_comment(request, pk)
    decision = request.POST.get("decision")
    back = _next_url(request, reverse("moderation_queue"))
    if decision not in DECISIONS:
        error = ActionError(_("Unknown moderation decision."))
    else:
        try:
            if decision == "approve":
                actions.approve_comment(moderator=request.user, comment=comment)
            elif decision == "hide":
                form = HideForm(request.POST)
                if not form.is_valid():
                    raise ActionError(_("Please choose a reason: it is shown publicly."))
                actions.hide_comment(
                    moderator=request.user,
                    comment=comment,
                    reason=form.cleaned_data["reason"],
                    note=form.cleaned_data["note"],
                )
            elif decision == "restore":
                actions.restore_comment(moderator=request.user, comment=comment)
            elif decision in {"pin", "unpin"}:
                actions.set_pinned(
                    moderator=request.user, comment=comment, pinned=decision == "pin"
                )
            else:
                actions.set_official(
                    moderator=request.user, comment=comment, official=decision == "official"
                )
        except ActionError as raised:
            error = raised
        else:
            if wants_json(request):
                return JsonResponse({"id": comment.pk, "decision": decision})
            messages.success(request, _("Done."))
            return redirect(back)
    if wants_json(request):
        return JsonResponse({"error": error.message}, status=400)
    messages.error(request, error.message)
    return redirect(back)


@login_required
@require_http_methods(["GET", "POST"])
def block_author(request, pk):
    """Block the author of a comment, in its consultation or site-wide."""
    comment = _moderated_comment(request, pk)
    if comment.author is None or comment.author.is_deleted:
        raise Http404
    form = BlockForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        until = form.cleaned_data["until"]
        until_dt = timezone.make_aware(datetime.combine(until, time(23, 59))) if until else None
        scope_site = form.cleaned_data["scope"] == BlockForm.SCOPE_SITE
        try:
            actions.block_user(
                moderator=request.user,
                user=comment.author,
                consultation=None if scope_site else comment.discussion.consultation,
                until=until_dt,
                reason=form.cleaned_data["reason"],
                note=form.cleaned_data["note"],
            )
        except ActionError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("The person is blocked."))
            return redirect("moderation_queue")
    return render(
        request,
        "consultations/moderation/block.html",
        {"comment": comment, "form": form},
        status=400 if form.errors else 200,
    )


@require_GET
def moderation_log(request, slug):
    consultation = get_object_or_404(Consultation, slug=slug)
    if not rules.has_perm("consultations.view_consultation", request.user, consultation):
        raise Http404
    return render(
        request,
        "consultations/moderation/log.html",
        {"consultation": consultation, **selectors.moderation_log(consultation)},
    )


@login_required
@require_http_methods(["GET", "POST"])
def notifications(request):
    """A person's own notices, rendered now in the language of the page (links built now)."""
    if request.method == "POST":
        mark_all_read(user=request.user)
        return redirect("notifications")
    items = (
        Notification.objects.filter(recipient=request.user)
        .select_related("target_type")
        .prefetch_related("target")[:100]
    )
    language = translation.get_language()
    return render(
        request,
        "consultations/accounts/notifications.html",
        {"notices": [notices.render(item, language=language) for item in items]},
    )
