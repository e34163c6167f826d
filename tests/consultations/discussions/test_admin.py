"""Discussions and moderation in the Wagtail admin: who sees which listing, the word list's
validation, read-only blocks and decisions, and lifting a block through the action."""

from datetime import timedelta
from unittest import mock

import pytest
from django.urls import reverse
from django.utils import timezone

from consultations.actions import moderation as moderation_actions
from consultations.actions.discussions import post_comment
from consultations.actions.moderation import block_user, hide_comment
from consultations.models import BlockedWord, Discussion, ModerationDecision, UserBlock
from consultations.roles import EDITORS, SITE_MODERATORS
from tests.factories import make_consultation, make_discussion, make_user

pytestmark = pytest.mark.django_db

LISTINGS = {
    "discussion": "wagtailsnippets_consultations_discussion:list",
    "blockedword": "wagtailsnippets_consultations_blockedword:list",
    "userblock": "wagtailsnippets_consultations_userblock:list",
    "moderationdecision": "wagtailsnippets_consultations_moderationdecision:list",
}


@pytest.fixture
def editor():
    return make_user(groups=(EDITORS,), is_staff=True, pseudonym="Redaktion")


@pytest.fixture
def moderator():
    return make_user(groups=(SITE_MODERATORS,), pseudonym="Moderation")


@pytest.fixture
def admin():
    return make_user(superuser=True, pseudonym="Admin")


@pytest.fixture
def decided(moderator):
    """A discussion with a hidden comment and a blocked author: something in every listing."""
    discussion = make_discussion(title="Was wird aus dem Park?")
    author = make_user(pseudonym="Laut")
    comment = post_comment(author=author, discussion=discussion, text="Unfreundlich.")
    hide_comment(moderator=moderator, comment=comment, reason="insult", note="Bitte sachlich")
    block = block_user(
        moderator=moderator,
        user=author,
        consultation=discussion.consultation,
        until=timezone.now() + timedelta(days=7),
        reason="insult",
    )
    BlockedWord.objects.create(phrase="Depp")
    return {"discussion": discussion, "author": author, "comment": comment, "block": block}


@pytest.mark.parametrize(
    ("who", "allowed"),
    [
        ("admin", set(LISTINGS)),
        ("editor", {"discussion"}),
        ("moderator", set(LISTINGS)),
    ],
)
def test_listings_by_role(client, request, decided, who, allowed):
    client.force_login(request.getfixturevalue(who))
    for name, url_name in LISTINGS.items():
        response = client.get(reverse(url_name))
        expected = 200 if name in allowed else (302, 403)
        if name in allowed:
            assert response.status_code == expected, name
        else:
            assert response.status_code in expected, name


def test_a_resident_sees_no_listing(client, decided):
    client.force_login(make_user())
    for url_name in LISTINGS.values():
        assert client.get(reverse(url_name)).status_code in (302, 403)


def test_listings_show_who_what_when_why(client, admin, decided):
    client.force_login(admin)
    decisions = client.get(reverse(LISTINGS["moderationdecision"])).content.decode()
    assert "Moderation" in decisions  # who
    assert "Laut" in decisions  # about whom
    assert "Bitte sachlich" in decisions  # note
    blocks = client.get(reverse(LISTINGS["userblock"])).content.decode()
    assert "Laut" in blocks
    assert reverse("lift_user_block", args=[decided["block"].pk]) in blocks
    discussions = client.get(
        reverse(LISTINGS["discussion"]), {"consultation": decided["discussion"].consultation_id}
    ).content.decode()
    assert "Was wird aus dem Park?" in discussions


def test_block_listing_filters_active_and_ended(client, admin, moderator, decided):
    client.force_login(admin)
    other = make_user(pseudonym="Schonwieder")
    ended = block_user(
        moderator=moderator, user=other, consultation=None, until=None, reason="spam"
    )
    moderation_actions.lift_block(moderator=moderator, block=ended)
    active = client.get(reverse(LISTINGS["userblock"]), {"state": "active"}).content.decode()
    assert "Laut" in active and "Schonwieder" not in active
    lifted = client.get(reverse(LISTINGS["userblock"]), {"state": "ended"}).content.decode()
    assert "Schonwieder" in lifted and "Laut" not in lifted


def test_blocks_and_decisions_cannot_be_edited_in_the_admin(client, admin, decided):
    client.force_login(admin)
    block, decision = decided["block"], ModerationDecision.objects.first()
    for url in [
        reverse("wagtailsnippets_consultations_userblock:add"),
        reverse("wagtailsnippets_consultations_userblock:edit", args=[block.pk]),
        reverse("wagtailsnippets_consultations_userblock:delete", args=[block.pk]),
        reverse("wagtailsnippets_consultations_moderationdecision:add"),
        reverse("wagtailsnippets_consultations_moderationdecision:edit", args=[decision.pk]),
        reverse("wagtailsnippets_consultations_moderationdecision:delete", args=[decision.pk]),
    ]:
        assert client.get(url).status_code in (302, 403), url
    inspect = reverse(
        "wagtailsnippets_consultations_moderationdecision:inspect", args=[decision.pk]
    )
    assert client.get(inspect).status_code == 200


def test_editor_creates_a_discussion(client, editor):
    consultation = make_consultation(title="Neue Brücke")
    client.force_login(editor)
    response = client.post(
        reverse("wagtailsnippets_consultations_discussion:add"),
        {
            "consultation": consultation.pk,
            "title": "Wo soll die Brücke hin?",
            "description": "",
            "auto_hide_after_reports": 5,
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    discussion = Discussion.objects.get()
    assert (discussion.consultation, discussion.auto_hide_after_reports) == (consultation, 5)


def test_discussion_chooser_lists_discussions(client, editor):
    make_discussion(title="Wählbare Diskussion")
    client.force_login(editor)
    response = client.get(reverse("wagtailsnippetchoosers_consultations_discussion:choose"))
    assert response.status_code == 200
    assert "Wählbare Diskussion" in response.json()["html"]


def _add_word(client, phrase):
    return client.post(reverse("wagtailsnippets_consultations_blockedword:add"), {"phrase": phrase})


def test_word_list_entries_are_trimmed(client, moderator):
    client.force_login(moderator)
    assert _add_word(client, "  blöder   Depp \n").status_code == 302
    assert list(BlockedWord.objects.values_list("phrase", flat=True)) == ["blöder Depp"]


@pytest.mark.parametrize("phrase", ["", "   ", "\n\t"])
def test_word_list_refuses_empty_entries(client, moderator, phrase):
    client.force_login(moderator)
    response = _add_word(client, phrase)
    assert response.status_code == 200
    assert not BlockedWord.objects.exists()


@pytest.mark.parametrize("phrase", ["depp", "DEPP", " Depp ", "dEpP"])
def test_word_list_refuses_duplicates_whatever_the_case(client, moderator, phrase):
    BlockedWord.objects.create(phrase="Depp")
    client.force_login(moderator)
    response = _add_word(client, phrase)
    assert response.status_code == 200
    assert "already on the word list" in response.content.decode() or "bereits" in (
        response.content.decode()
    )
    assert BlockedWord.objects.count() == 1


def test_word_list_duplicates_beyond_ascii(client, moderator):
    BlockedWord.objects.create(phrase="Straße")
    client.force_login(moderator)
    assert _add_word(client, "STRASSE").status_code == 200
    assert BlockedWord.objects.count() == 1


def test_editing_a_word_keeps_its_own_entry(client, moderator):
    word = BlockedWord.objects.create(phrase="Depp")
    client.force_login(moderator)
    url = reverse("wagtailsnippets_consultations_blockedword:edit", args=[word.pk])
    assert client.post(url, {"phrase": "DEPP"}).status_code == 302
    word.refresh_from_db()
    assert word.phrase == "DEPP"


def test_lifting_a_block_goes_through_the_action(client, moderator, decided):
    block = decided["block"]
    client.force_login(moderator)
    url = reverse("lift_user_block", args=[block.pk])
    assert client.get(url).status_code == 200
    with mock.patch(
        "consultations.admin.views.lift_block", wraps=moderation_actions.lift_block
    ) as action:
        response = client.post(url)
    assert response.status_code == 302
    action.assert_called_once()
    assert action.call_args.kwargs["moderator"] == moderator
    block.refresh_from_db()
    assert block.lifted_at is not None
    assert ModerationDecision.objects.filter(
        kind=ModerationDecision.Kind.UNBLOCK_USER, subject=decided["author"], moderator=moderator
    ).exists()
    assert not UserBlock.objects.active().exists()


def test_a_block_is_lifted_once(client, moderator, decided):
    client.force_login(moderator)
    url = reverse("lift_user_block", args=[decided["block"].pk])
    client.post(url)
    client.post(url)
    assert ModerationDecision.objects.filter(kind=ModerationDecision.Kind.UNBLOCK_USER).count() == 1


def test_an_editor_cannot_lift_a_block(client, editor, decided):
    # Editors are not moderators: the listing is not theirs, and the action would refuse.
    client.force_login(editor)
    client.post(reverse("lift_user_block", args=[decided["block"].pk]))
    decided["block"].refresh_from_db()
    assert decided["block"].lifted_at is None


def test_the_admin_menu_links_to_the_moderation_queue_for_moderators(client, moderator, editor):
    make_consultation()
    client.force_login(moderator)
    assert reverse("moderation_queue") in client.get(reverse("wagtailadmin_home")).content.decode()
    client.force_login(editor)
    assert (
        reverse("moderation_queue") not in client.get(reverse("wagtailadmin_home")).content.decode()
    )


def test_a_discussion_with_comments_is_not_deleted(client, editor):
    discussion = make_discussion()
    post_comment(author=make_user(), discussion=discussion, text="Mein Beitrag")
    client.force_login(editor)
    url = reverse("wagtailsnippets_consultations_discussion:delete", args=[discussion.pk])
    assert client.post(url).status_code == 302
    assert Discussion.objects.filter(pk=discussion.pk).exists()


def test_an_empty_discussion_can_be_deleted(client, editor):
    discussion = make_discussion()
    client.force_login(editor)
    url = reverse("wagtailsnippets_consultations_discussion:delete", args=[discussion.pk])
    assert client.post(url).status_code == 302
    assert not Discussion.objects.filter(pk=discussion.pk).exists()


def test_bulk_delete_spares_discussions_with_comments(client, editor):
    kept = make_discussion(title="Mit Beiträgen")
    post_comment(author=make_user(), discussion=kept, text="Mein Beitrag")
    client.force_login(editor)
    url = reverse("wagtail_bulk_action", args=("consultations", "discussion", "delete"))
    response = client.post(f"{url}?id={kept.pk}")
    assert response.status_code == 302
    assert Discussion.objects.filter(pk=kept.pk).exists()


def test_admin_forms_and_records_render(client, admin, decided):
    client.force_login(admin)
    urls = [
        reverse("wagtailsnippets_consultations_discussion:add"),
        reverse("wagtailsnippets_consultations_discussion:edit", args=[decided["discussion"].pk]),
        reverse("wagtailsnippets_consultations_blockedword:add"),
        reverse("wagtailsnippets_consultations_userblock:inspect", args=[decided["block"].pk]),
        reverse(LISTINGS["moderationdecision"]) + "?kind=hide",
    ]
    for url in urls:
        assert client.get(url).status_code == 200, url


def test_block_listing_shows_the_end_date_not_a_relative_time(client, admin, decided):
    client.force_login(admin)
    blocks = client.get(reverse(LISTINGS["userblock"])).content.decode()
    until = timezone.localtime(decided["block"].until).strftime("%d.%m.%Y %H:%M")
    assert until in blocks


def test_editor_opens_a_discussion_only_in_chosen_phases(client, editor):
    from consultations.phases import PhaseKind

    consultation = make_consultation(title="Neue Brücke", active=PhaseKind.INFORMATION)
    information = consultation.phases.get(kind=PhaseKind.INFORMATION)
    foreign = make_consultation().phases.first()
    client.force_login(editor)
    url = reverse("wagtailsnippets_consultations_discussion:add")
    data = {
        "consultation": consultation.pk,
        "title": "Erste Eindrücke",
        "description": "",
        "auto_hide_after_reports": 3,
        "open_in_phases": [foreign.pk],
    }
    response = client.post(url, data)
    assert response.status_code == 200
    assert "Wählen Sie nur Phasen der Beteiligung dieser Diskussion." in response.content.decode()
    assert not Discussion.objects.exists()

    data["open_in_phases"] = [information.pk]
    assert client.post(url, data).status_code == 302
    discussion = Discussion.objects.get()
    assert discussion.chosen_phase_ids() == {information.pk}
    edit = client.get(
        reverse("wagtailsnippets_consultations_discussion:edit", args=[discussion.pk])
    )
    assert f'value="{foreign.pk}"' not in edit.content.decode()  # only its own phases offered
    import rules

    assert rules.has_perm("consultations.add_comment", make_user(), discussion)
