"""Quick polls: the vote is a plain form POST that works without JavaScript (then the poll's
page shows the result), and with it the result replaces the form in place.

The block on a cached page must stay cacheable, so the form carries no CSRF token: the vote
view checks instead that the request comes from this site (``Origin``, or ``Referer`` where a
browser sends no Origin) and carries the poll's signed form token. Votes of people without an
account are one per browser (a signed cookie) and limited per network address.
"""

from __future__ import annotations

import secrets
from urllib.parse import urlsplit

import rules
from django.conf import settings
from django.core import signing
from django.db.models import Count
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from consultations import selectors
from consultations.actions import ActionError
from consultations.actions import polls as actions
from consultations.models import PollVote, QuickPoll
from consultations.predicates import is_resident
from participation.client_addresses import client_ip

TOKEN_COOKIE = "mitreden_poll"
TOKEN_SALT = "mitreden.poll-token"
FORM_SALT = "mitreden.poll-form"
VOTED_COOKIE = "mitreden_voted_polls"
MAX_AGE = 60 * 60 * 24 * 400


def form_token(poll: QuickPoll) -> str:
    """The same for everyone (the page is cached): it ties a form to its poll."""
    return signing.dumps(poll.pk, salt=FORM_SALT)


def _poll_for(request, pk) -> QuickPoll:
    poll = get_object_or_404(QuickPoll.objects.prefetch_related("choices"), pk=pk)
    if not rules.has_perm("consultations.view_quickpoll", request.user, poll):
        raise Http404
    return poll


def _browser_token(request) -> str:
    try:
        return request.get_signed_cookie(TOKEN_COOKIE, default="", salt=TOKEN_SALT, max_age=MAX_AGE)
    except signing.BadSignature:
        return ""


def _from_this_site(request) -> bool:
    origin = request.headers.get("Origin") or request.headers.get("Referer") or ""
    if not origin or origin == "null":
        return False
    parts = urlsplit(origin)
    allowed = {request.get_host(), *getattr(settings, "POLL_EXTRA_ORIGINS", ())}
    trusted = {urlsplit(url).netloc for url in getattr(settings, "CSRF_TRUSTED_ORIGINS", [])}
    return parts.netloc in allowed | trusted and parts.scheme in ("http", "https")


def results(poll: QuickPoll) -> dict:
    counts = {
        row["choice"]: row["n"]
        for row in PollVote.objects.filter(poll=poll).values("choice").annotate(n=Count("pk"))
    }
    total = sum(counts.values())
    rows = []
    for choice in poll.choices.all():
        count = counts.get(choice.pk, 0)
        share = round(count * 100 / total) if total else 0
        rows.append({"pk": choice.pk, "label": choice.label, "count": count, "share": share})
    return {"rows": rows, "total": total}


def _my_vote(request, poll) -> PollVote | None:
    if is_resident(request.user):
        return PollVote.objects.filter(poll=poll, user=request.user).first()
    token = _browser_token(request)
    return PollVote.objects.filter(poll=poll, token=token).first() if token else None


def poll_context(request, poll, *, mine=None) -> dict:
    now = timezone.now()
    closed = poll.closes <= now
    return {
        "poll": poll,
        "form_token": form_token(poll),
        "may_vote": rules.has_perm("consultations.vote_in_poll", request.user, poll),
        "would_vote": not request.user.is_authenticated
        and selectors.would_resident_be_allowed("consultations.vote_in_poll", poll),
        "not_yet": poll.opens > now,
        "closed": closed,
        "mine": mine,
    }


@require_GET
def poll_detail(request, pk):
    poll = _poll_for(request, pk)
    mine = _my_vote(request, poll)
    context = poll_context(request, poll, mine=mine)
    if (
        mine is not None
        or context["closed"]
        or rules.has_perm("consultations.change_quickpoll", request.user, poll)
    ):
        context["results"] = results(poll)
    if request.GET.get("fragment") == "results" and "results" in context:
        return render(request, "consultations/polls/_results.html", context)
    next_url = request.GET.get("next", "")
    if url_has_allowed_host_and_scheme(next_url, {request.get_host()}):
        context["next_url"] = next_url
    return render(request, "consultations/polls/poll.html", context)


def _refuse(request, poll, message: str, status: int):
    if "application/json" in request.headers.get("Accept", ""):
        return JsonResponse({"error": message}, status=status)
    context = poll_context(request, poll)
    context["error"] = message
    return render(request, "consultations/polls/poll.html", context, status=status)


@csrf_exempt
@require_POST
def poll_vote(request, pk):
    poll = _poll_for(request, pk)
    if not _from_this_site(request):
        return _refuse(request, poll, _("Please vote on this site's own page."), 403)
    try:
        signed = signing.loads(request.POST.get("form_token", ""), salt=FORM_SALT)
    except signing.BadSignature:
        signed = None
    if signed != poll.pk:
        return _refuse(
            request, poll, _("This form does not belong to this poll. Please reload the page."), 400
        )
    token = ""
    new_token = ""
    if not is_resident(request.user):
        token = _browser_token(request)
        if not token:
            token = new_token = secrets.token_urlsafe(24)
    try:
        actions.vote(
            poll=poll,
            user=request.user,
            choice_id=request.POST.get("choice"),
            token=token,
            client_ip=client_ip(request),
        )
    except actions.PermissionDenied:
        return _refuse(request, poll, _("This poll does not take your vote at the moment."), 403)
    except ActionError as error:
        return _refuse(request, poll, error.message, 400)
    poll_url = reverse("poll_detail", args=[poll.pk])
    if "application/json" in request.headers.get("Accept", ""):
        context = poll_context(
            request,
            poll,
            mine=PollVote.objects.filter(
                poll=poll, **({"user": request.user} if not token else {"token": token})
            )
            .select_related("choice")
            .first(),
        )
        context["results"] = results(poll)
        response = JsonResponse(
            {"html": render_to_string("consultations/polls/_results.html", context, request)}
        )
    else:
        next_url = request.POST.get("next", "")
        target = poll_url
        if url_has_allowed_host_and_scheme(next_url, {request.get_host()}):
            target = f"{poll_url}?next={next_url}"
        response = redirect(target)
    if new_token:
        response.set_signed_cookie(
            TOKEN_COOKIE,
            new_token,
            salt=TOKEN_SALT,
            max_age=MAX_AGE,
            httponly=True,
            samesite="Lax",
            secure=request.is_secure(),
        )
    voted = {part for part in request.COOKIES.get(VOTED_COOKIE, "").split("-") if part.isdigit()}
    voted.add(str(poll.pk))
    # Not secret (which polls this browser voted in), read by poll.js to show results.
    response.set_cookie(
        VOTED_COOKIE,
        "-".join(sorted(voted)[-50:]),
        max_age=MAX_AGE,
        samesite="Lax",
        secure=request.is_secure(),
    )
    return response
