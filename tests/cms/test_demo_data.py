"""The demo data file (cms/demo/musterstadt.toml) is whole and the loader makes what it says.

The loader trusts the data; these tests catch a key that names nothing, a block or page type
that does not exist, or a reply to a comment that comes later, before anyone runs the demo.
"""

import pytest
from django.core.management import call_command
from wagtail.models import Page

from cms.blocks import ConsultationBodyStreamBlock, KnownGapsStreamBlock
from cms.demo.loader import BLOCK_REFERENCES, PAGE_TYPES, read_data
from consultations.models import Comment, Consultation, Reaction, User
from consultations.phases import PhaseKind
from consultations.roles import SITE_ROLE_GROUPS

DATA = read_data()


def test_accounts_have_known_roles_and_districts():
    districts = {district["slug"] for district in DATA["districts"]}
    for account in DATA["accounts"]:
        assert account.get("group") is None or account["group"] in SITE_ROLE_GROUPS
        assert account.get("district") is None or account["district"] in districts


def test_consultations_name_known_topics_districts_and_phase_kinds():
    topics = {topic["slug"] for topic in DATA["topics"]}
    districts = {district["slug"] for district in DATA["districts"]}
    for consultation in DATA["consultations"]:
        assert consultation["topic"] in topics
        assert consultation.get("district") is None or consultation["district"] in districts
        for phase in consultation["phases"]:
            assert phase["kind"] in PhaseKind.values
            assert phase["start"] < phase["end"]


def test_comments_name_demo_accounts_and_earlier_comments():
    accounts = {account["email"] for account in DATA["accounts"]}
    for consultation in DATA["consultations"]:
        thread = consultation["discussion"]
        seen = set()
        for comment in thread.get("comments", []):
            assert comment["author"] in accounts
            assert comment.get("reply_to") is None or comment["reply_to"] in seen
            seen.add(comment["key"])
        if any(comment.get("official") for comment in thread.get("comments", [])):
            assert thread["moderator"] in accounts
        for reaction in thread.get("reactions", []):
            assert reaction["comment"] in seen
            assert reaction["user"] in accounts


def test_pages_name_known_types_blocks_parents_and_objects():
    keys = {
        "images": {"image"},
        "documents": {"document"},
        "consultations": {consultation["slug"] for consultation in DATA["consultations"]},
        "discussions": {consultation["slug"] for consultation in DATA["consultations"]},
        "pages": {"home"},
    }
    body_blocks = ConsultationBodyStreamBlock.base_blocks  # the body's blocks and more
    for page in DATA["pages"]:
        assert page["type"] in PAGE_TYPES
        assert page["parent"] in keys["pages"]
        assert page.get("consultation") is None or page["consultation"] in keys["consultations"]
        for block in page.get("body", []):
            assert block["type"] in body_blocks
            for field, kind in BLOCK_REFERENCES.get(block["type"], {}).items():
                assert block["value"][field] in keys[kind], (page["key"], block)
        for block in page.get("known_gaps", []):
            assert block["type"] in KnownGapsStreamBlock.base_blocks
        keys["pages"].add(page["key"])
    for name in ("imprint_page", "privacy_page"):
        assert DATA["settings"][name] in keys["pages"]


def test_the_word_list_has_what_the_browser_tests_type():
    assert "Vollpfosten" in DATA["word_list"]["phrases"]


@pytest.mark.django_db
def test_the_loader_makes_what_the_data_says(capsys):
    call_command("load_demo")
    for spec in DATA["pages"]:
        page = Page.objects.get(slug=spec["slug"])
        assert page.live
        assert isinstance(page.specific, PAGE_TYPES[spec["type"]])
        if "title" in spec.get("fields", {}):
            assert page.title == spec["fields"]["title"]
    for account in DATA["accounts"]:
        assert User.objects.get(email=account["email"]).pseudonym == account["pseudonym"]
    for spec in DATA["consultations"]:
        consultation = Consultation.objects.get(slug=spec["slug"])
        assert consultation.title == spec["title"]
        assert [phase.title for phase in consultation.phase_list] == [
            phase["title"] for phase in spec["phases"]
        ]
        discussion = consultation.discussions.get()
        texts = set(discussion.comments.values_list("text", flat=True))
        assert texts == {comment["text"] for comment in spec["discussion"].get("comments", [])}
        reactions = spec["discussion"].get("reactions", [])
        assert Reaction.objects.filter(comment__discussion=discussion).count() == len(reactions)
        officials = [c["text"] for c in spec["discussion"].get("comments", []) if c.get("official")]
        assert (
            list(
                Comment.objects.filter(discussion=discussion, is_official=True).values_list(
                    "text", flat=True
                )
            )
            == officials
        )
