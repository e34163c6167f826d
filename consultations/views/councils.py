"""The public page of a citizens' council: its mandate, how the process works, its timeline
and its stratification. Drafts: organisers and admins only (a preview); everyone else, and
every council they may not see, gets "not found"."""

from __future__ import annotations

import rules
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from consultations.councils import quota_table
from consultations.models import Council


@require_GET
def council_detail(request, pk):
    council = get_object_or_404(Council.objects.select_related("consultation"), pk=pk)
    if not rules.has_perm("consultations.view_council", request.user, council):
        raise Http404
    return render(
        request,
        "consultations/councils/council.html",
        {"council": council, "quotas": quota_table(council)},
    )
