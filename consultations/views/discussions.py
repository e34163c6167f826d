"""Discussion pages and residents' writes. Every write is a form POST that works without
JavaScript (redirect back to the comment); with ``Accept: application/json`` the same views
answer fetch requests with JSON and the rendered comment."""

from __future__ import annotations

import rules
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, JsonResponse
from django.middleware.csrf import get_token
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from consultations import fragments, live_tokens, selectors
from consultations.actions import ActionError
from consultations.actions import discussions as actions
from consultations.forms import CommentForm, ReportForm
from consultations.models import Comment, Discussion, Reaction


def wants_json(request) -> bool:
    return "application/json" in request.headers.get("Accept", "")


def _discussion_for(request, pk) -> Discussion:
    discussion = get_object_or_404(
        Discussion.objects.select_related("consultation").prefetch_related("consultation__phases"),
        pk=pk,
    )
    if not rules.has_perm("consultations.view_consultation", request.user, discussion):
        raise Http404
    return discussion


def _comment_for(request, pk, permission: str = "consultations.view_comment") -> Comment:
    """The comment if this person has ``permission`` on it, else "not found": whether a held
    comment exists is nobody's business but its author's and the moderators' (rules.py)."""
    comment = (
        Comment.objects.select_related("discussion__consultation", "author").filter(pk=pk).first()
    )
    if comment is None or not rules.has_perm(permission, request.user, comment):
        raise Http404
    return comment


def comment_url(comment: Comment) -> str:
    return reverse("comment_permalink", args=[comment.pk])


def discussion_context(request, discussion, *, form=None, own_socket: bool = True) -> dict:
    """Everything the discussion partial needs; shared by the page and the CMS block (whose
    consultation page opens the one socket for everything on it: ``own_socket=False``)."""
    sort = request.GET.get("sort", "oldest")
    try:
        page = int(request.GET.get("page", 1))
    except ValueError:
        page = 1
    context = selectors.discussion_thread_page(discussion, request.user, sort=sort, page=page)
    context.update(
        {
            "form": form or CommentForm(),
            "can_comment": rules.has_perm("consultations.add_comment", request.user, discussion),
            "can_react": rules.has_perm("consultations.add_reaction", request.user, discussion),
            "can_moderate": rules.has_perm(
                "consultations.moderate_discussion", request.user, discussion
            ),
            "login_would_help": not request.user.is_authenticated
            and selectors.would_resident_be_allowed("consultations.add_comment", discussion),
            "own_socket": own_socket,
            "sorts": [
                ("oldest", _("oldest first")),
                ("newest", _("newest first")),
                ("supported", _("most supported")),
            ],
        }
    )
    if own_socket:
        context.update(live_tokens.subscription_for(discussion.consultation, [discussion]))
    _use_cached_fragments(request, context)
    return context


def _use_cached_fragments(request, context) -> None:
    """The page's comments from the cached shared fragments, switched on for this viewer."""
    user = request.user
    token = ""
    if user.is_authenticated:
        # One token for the page: the template's own forms use this one too.
        token = context["csrf_token"] = get_token(request)
    viewer = fragments.Viewer(
        id=str(user.pk) if user.is_authenticated else "",
        csrf_token=token,
        may_comment=context["can_comment"],
        may_react=context["can_react"],
        own_reactions=context["own_reactions"],
    )
    comments = [c for thread in context["threads"] for c in (thread, *thread.reply_list)]
    fragments.for_viewer(comments, viewer, moderator=context["can_moderate"])


@require_GET
def discussion_detail(request, pk):
    discussion = _discussion_for(request, pk)
    return render(
        request,
        "consultations/discussions/discussion.html",
        discussion_context(request, discussion),
    )


@require_GET
def discussion_comments(request, pk):
    """The next page of top-level comments with their replies, for a "More comments" link that
    loads in place: the list items and the link to the page after, as the page renders them for
    this viewer. Without JavaScript the same link opens that page of the discussion instead."""
    discussion = _discussion_for(request, pk)
    context = discussion_context(request, discussion, own_socket=False)
    context["in_place"] = True
    template = "consultations/discussions/_discussion.html"
    response = JsonResponse(
        {
            "page": context["page_obj"].number,
            "html": render_to_string(f"{template}#threads", context, request=request).strip(),
            "more": render_to_string(f"{template}#more", context, request=request).strip(),
        }
    )
    patch_vary_headers(response, ["Accept-Language", "Cookie"])
    return response


@require_GET
def comment_permalink(request, pk):
    """A stable link to one comment: opens the page of its thread, scrolled to it (a removed
    comment shows as a tombstone there). Moderators are taken to the comment's moderation page
    when it is held, since the thread shows held comments only to their authors.

    Asked for JSON, it answers with the comment as this viewer sees it on the page: how an
    author's open page shows their own comment after an edit sent it back to review (the live
    event tells everyone only that it is no longer public)."""
    comment = _comment_for(request, pk)
    if wants_json(request):
        response = JsonResponse(
            {"id": comment.pk, "html": _render_comment(request, comment, part="article")}
        )
        patch_vary_headers(response, ["Accept"])
        return response
    if comment.status == Comment.Status.PENDING and comment.author_id != request.user.pk:
        return redirect("moderation_comment", pk=comment.pk)
    page = selectors.page_of_comment(comment)
    url = reverse("discussion_detail", args=[comment.discussion_id])
    if page > 1:
        url += f"?page={page}"
    return redirect(f"{url}#comment-{comment.pk}")


def _render_comment(request, comment: Comment, *, can_react=None, part: str = "") -> str:
    """The comment as this viewer sees it on the page (their own controls rendered, their
    removed text marked): the template the page and the live event share, in its page form.
    ``part="article"`` leaves out the list of replies under a thread."""
    own = {}
    if request.user.is_authenticated:
        own = dict(
            Reaction.objects.filter(user=request.user, comment=comment).values_list(
                "comment_id", "value"
            )
        )
    if can_react is None:
        can_react = rules.has_perm("consultations.add_reaction", request.user, comment.discussion)
    template = "consultations/discussions/_comment.html" + (f"#{part}" if part else "")
    return render_to_string(
        template,
        {
            "comment": comment,
            "shared": False,
            "own_reactions": own,
            "can_react": can_react,
            "can_comment": rules.has_perm(
                "consultations.add_comment", request.user, comment.discussion
            ),
            "can_moderate": rules.has_perm(
                "consultations.moderate_discussion", request.user, comment
            ),
            "is_reply": comment.thread_id is not None,
        },
        request=request,
    )


def _error(request, error: ActionError, fallback_url: str, status: int = 400):
    if wants_json(request):
        return JsonResponse({"error": error.message, "code": error.code}, status=status)
    messages.error(request, error.message)
    return redirect(fallback_url)


@login_required
@require_POST
def post_comment(request, pk):
    discussion = _discussion_for(request, pk)
    form = CommentForm(request.POST)
    back = reverse("discussion_detail", args=[discussion.pk])
    if not form.is_valid():
        if wants_json(request):
            return JsonResponse({"errors": form.errors.get_json_data()}, status=400)
        context = discussion_context(request, discussion, form=form)
        return render(request, "consultations/discussions/discussion.html", context, status=400)
    reply_to = None
    if form.cleaned_data.get("reply_to"):
        reply_to = Comment.objects.filter(
            pk=form.cleaned_data["reply_to"], discussion=discussion
        ).first()
        # The same answer whether it does not exist or may not be seen (held for review).
        if reply_to is None or not rules.has_perm(
            "consultations.view_comment", request.user, reply_to
        ):
            error = ActionError(_("You can only reply to a published comment of this discussion."))
            return _error(request, error, back)
    try:
        comment = actions.post_comment(
            author=request.user,
            discussion=discussion,
            text=form.cleaned_data["text"],
            reply_to=reply_to,
            idempotency_key=form.cleaned_data.get("idempotency_key") or "",
        )
    except ActionError as error:
        if wants_json(request):
            return JsonResponse({"error": error.message, "code": error.code}, status=400)
        form.add_error("text", error.message)
        context = discussion_context(request, discussion, form=form)
        return render(request, "consultations/discussions/discussion.html", context, status=400)
    pending = comment.status == Comment.Status.PENDING
    notice = (
        _("Thank you! Your comment will appear once a moderator has reviewed it.")
        if pending
        else _("Your comment was published.")
    )
    if wants_json(request):
        return JsonResponse(
            {
                "id": comment.pk,
                "thread": comment.thread_id,
                "pending": pending,
                "message": notice,
                "html": _render_comment(request, comment),
            },
            status=201,
        )
    messages.success(request, notice)
    return redirect(comment_url(comment))


@login_required
@require_http_methods(["GET", "POST"])
def edit_comment(request, pk):
    comment = _comment_for(request, pk, "consultations.act_on_comment")
    if comment.author_id != request.user.pk:
        raise Http404
    if not rules.has_perm("consultations.change_comment", request.user, comment):
        messages.error(request, _("This comment can no longer be edited."))
        return redirect(comment_url(comment))
    form = CommentForm(request.POST or None, initial={"text": comment.text})
    if request.method == "POST" and form.is_valid():
        try:
            comment = actions.edit_comment(
                editor=request.user, comment=comment, text=form.cleaned_data["text"]
            )
        except ActionError as error:
            form.add_error("text", error.message)
        else:
            if wants_json(request):
                return JsonResponse(
                    {"id": comment.pk, "html": _render_comment(request, comment, part="article")}
                )
            messages.success(request, _("Your comment was changed."))
            return redirect(comment_url(comment))
    return render(
        request,
        "consultations/discussions/edit.html",
        {"comment": comment, "form": form},
        status=400 if form.errors else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def delete_comment(request, pk):
    comment = _comment_for(request, pk, "consultations.delete_comment")
    if request.method == "POST":
        actions.delete_comment(author=request.user, comment=comment)
        messages.success(request, _("Your comment was deleted."))
        return redirect(comment_url(comment))
    return render(request, "consultations/discussions/delete.html", {"comment": comment})


@login_required
@require_POST
def react(request, pk):
    comment = _comment_for(request, pk, "consultations.act_on_comment")
    value = request.POST.get("value") or None
    try:
        comment = actions.react(user=request.user, comment=comment, value=value)
    except ActionError as error:
        return _error(
            request, error, comment_url(comment), status=403 if error.code == "forbidden" else 400
        )
    if wants_json(request):
        mine = Reaction.objects.filter(user=request.user, comment=comment).values_list(
            "value", flat=True
        )
        return JsonResponse(
            {
                "id": comment.pk,
                "agree": comment.agree_count,
                "disagree": comment.disagree_count,
                "mine": mine.first(),
            }
        )
    return redirect(comment_url(comment))


@login_required
@require_http_methods(["GET", "POST"])
def report_comment(request, pk):
    comment = _comment_for(request, pk, "consultations.act_on_comment")
    if comment.author_id == request.user.pk:
        raise Http404
    form = ReportForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            actions.report_comment(
                reporter=request.user,
                comment=comment,
                reason=form.cleaned_data["reason"],
                text=form.cleaned_data["text"],
            )
        except ActionError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("Thank you. The moderators will look at this comment."))
            return redirect(comment_url(comment))
    return render(
        request,
        "consultations/discussions/report.html",
        {"comment": comment, "form": form},
        status=400 if form.errors else 200,
    )
