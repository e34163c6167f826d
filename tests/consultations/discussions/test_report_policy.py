"""Who can hide a comment by reporting it (README, "Reports, auto-hide and who sees what")."""

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from consultations import exports, notices, roles, selectors
from consultations.actions import PermissionDenied
from consultations.actions.discussions import post_comment, report_comment
from consultations.actions.moderation import (
    approve_comment,
    block_user,
    hide_comment,
    restore_comment,
    set_official,
)
from consultations.models import Comment, ConsultationMembership, Notification, Report
from tests.factories import add_member, make_user

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("sent")]


@pytest.fixture
def comment(resident, discussion):
    discussion.auto_hide_after_reports = 3
    discussion.save()
    return post_comment(author=resident, discussion=discussion, text="Strittig")


def report_by(people, comment, reason="insult"):
    for person in people:
        report_comment(reporter=person, comment=comment, reason=reason)
    comment.refresh_from_db()
    return comment


def established(n):
    return [make_user() for _ in range(n)]


def fresh(n):
    return [make_user(date_joined=timezone.now() - timedelta(hours=2)) for _ in range(n)]


def test_three_established_accounts_hide_a_comment(comment):
    assert report_by(established(3), comment).status == Comment.Status.HIDDEN


def test_fresh_accounts_reach_the_queue_but_cannot_hide(comment, settings):
    settings.REPORT_MIN_ACCOUNT_AGE_DAYS = 3
    comment = report_by(fresh(5), comment)
    assert comment.status == Comment.Status.PUBLISHED
    assert comment.open_report_count == 5
    assert not Report.objects.filter(counts_towards_auto_hide=True).exists()
    assert comment in selectors.moderation_queue(make_user(groups=(roles.SITE_MODERATORS,)))
    # Two established reporters more are not enough either: only three that count hide it.
    assert report_by(established(2), comment).status == Comment.Status.PUBLISHED
    assert report_by(established(1), comment).status == Comment.Status.HIDDEN


def test_the_account_age_is_a_setting(comment, settings):
    settings.REPORT_MIN_ACCOUNT_AGE_DAYS = 0
    assert report_by(fresh(3), comment).status == Comment.Status.HIDDEN


def test_unverified_and_blocked_people_cannot_report(comment, moderator):
    with pytest.raises(PermissionDenied):
        report_comment(reporter=make_user(verified=False), comment=comment, reason="spam")
    blocked = make_user()
    block_user(
        moderator=moderator, user=blocked, consultation=None, until=None, reason="spam", note=""
    )
    with pytest.raises(PermissionDenied):
        report_comment(reporter=blocked, comment=comment, reason="spam")
    assert not Report.objects.exists()


def test_official_answers_are_escalated_not_hidden(comment, moderator):
    set_official(moderator=moderator, comment=comment, official=True)
    comment = report_by(established(5), comment)
    assert comment.status == Comment.Status.PUBLISHED
    assert comment.escalated
    older = post_comment(author=make_user(), discussion=comment.discussion, text="Auch gemeldet")
    Comment.objects.filter(pk=older.pk).update(created=timezone.now() - timedelta(days=1))
    report_by(established(1), older)
    queue = list(selectors.moderation_queue(moderator))
    assert queue[0] == comment  # first, although the other item is older
    approve_comment(moderator=moderator, comment=comment)
    comment.refresh_from_db()
    assert not comment.escalated and comment.open_report_count == 0


@pytest.mark.parametrize("role", ["moderator_here", "site_moderator", "editor", "admin"])
def test_comments_of_staff_are_never_hidden_by_reports(discussion, role):
    if role == "moderator_here":
        author = make_user()
        add_member(discussion.consultation, author, ConsultationMembership.Role.MODERATOR)
    elif role == "admin":
        author = make_user(superuser=True)
    else:
        group = roles.SITE_MODERATORS if role == "site_moderator" else roles.EDITORS
        author = make_user(groups=(group,))
    comment = post_comment(author=author, discussion=discussion, text="Von der Stadt")
    comment = report_by(established(discussion.auto_hide_after_reports + 2), comment)
    assert comment.status == Comment.Status.PUBLISHED and comment.escalated


def test_people_whose_reports_were_rejected_repeatedly_stop_counting(
    resident, discussion, moderator, settings
):
    settings.REPORT_REJECTIONS_BEFORE_IGNORED = 2
    serial = make_user(pseudonym="Dauermelder")
    for n in range(2):
        target = post_comment(author=make_user(), discussion=discussion, text=f"Harmlos {n}")
        report_comment(reporter=serial, comment=target, reason="spam")
        approve_comment(moderator=moderator, comment=target)  # reports dismissed: rejected
    assert Report.objects.filter(reporter=serial, outcome=Report.Outcome.REJECTED).count() == 2
    discussion.auto_hide_after_reports = 1
    discussion.save()
    target = post_comment(author=resident, discussion=discussion, text="Noch einer")
    target = report_by([serial], target)
    assert target.status == Comment.Status.PUBLISHED
    # Rejections long ago are forgiven.
    Report.objects.filter(outcome=Report.Outcome.REJECTED).update(
        resolved_at=timezone.now() - timedelta(days=settings.REPORT_REJECTION_DAYS + 1)
    )
    other = post_comment(author=resident, discussion=discussion, text="Und noch einer")
    assert report_by([serial], other).status == Comment.Status.HIDDEN


def test_outcomes_are_recorded(comment, moderator):
    reporters = established(3)
    comment = report_by(reporters, comment)  # auto-hidden
    restore_comment(moderator=moderator, comment=comment)
    assert set(Report.objects.values_list("outcome", flat=True)) == {Report.Outcome.REJECTED}
    again = post_comment(author=make_user(), discussion=comment.discussion, text="Zweiter")
    report_by(established(1), again)
    hide_comment(moderator=moderator, comment=again, reason="insult")
    assert Report.objects.get(comment=again).outcome == Report.Outcome.UPHELD


def test_the_author_learns_nothing_about_the_reporters(client, comment, resident):
    reporters = [make_user(pseudonym=f"Melderin{n}") for n in range(3)]
    for person in reporters:
        report_comment(reporter=person, comment=comment, reason="other", text="Geheime Notiz")
    comment.refresh_from_db()
    assert comment.status == Comment.Status.HIDDEN
    told = json.dumps(
        [
            (notice.text, notice.url, notice.notification.params)
            for notice in map(notices.render, Notification.objects.filter(recipient=resident))
        ]
    )
    export = json.dumps(exports.personal_data_export(resident))
    client.force_login(resident)
    page = client.get(f"/kommentare/{comment.pk}/", follow=True).content.decode()
    for seen in (told, export, page):
        assert "Geheime Notiz" not in seen
        assert not any(person.pseudonym in seen for person in reporters)
    assert "3 " not in told  # not even how many reported it
