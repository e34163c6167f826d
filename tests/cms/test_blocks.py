"""Every body block renders semantic, accessible HTML from its value."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.test import RequestFactory
from wagtail.blocks.struct_block import StructBlockValidationError
from wagtail.rich_text import RichText

from cms.blocks import BodyStreamBlock
from cms.models import ContentPage
from consultations.models import Consultation
from tests.cms.conftest import add_consultation_page, add_page, make_document, make_image
from tests.factories import make_consultation, make_user

pytestmark = pytest.mark.django_db

STREAM = BodyStreamBlock()


def render(block_type: str, value, context=None) -> str:
    """Render one child block as a page would (through the StreamBlock's child)."""
    block = STREAM.child_blocks[block_type]
    native = block.to_python(value) if isinstance(value, dict) else value
    return block.render(native, context=context or {})


def test_every_block_type_has_a_test():
    tested = {
        "heading",
        "paragraph",
        "image",
        "quote",
        "call_to_action",
        "faq",
        "document",
        "consultation_teaser",
        "quick_poll",  # tests/cms/test_quick_poll_block.py
    }
    assert set(STREAM.child_blocks) == tested


@pytest.mark.parametrize("level", ["h2", "h3"])
def test_heading_block_uses_the_chosen_level(level):
    html = render("heading", {"level": level, "text": "Zeitplan"})
    assert f'<{level} class="block-heading">Zeitplan</{level}>' in html


def test_heading_block_never_renders_another_tag():
    html = render("heading", {"level": "h1><script", "text": "X"})
    assert "<script" not in html and "<h2" in html


def test_paragraph_block_renders_rich_text():
    html = render("paragraph", RichText("<p>Hallo <b>Welt</b></p>"))
    assert '<div class="rich-text">' in html
    assert "<b>Welt</b>" in html


def test_paragraph_block_offers_no_headings_or_embeds():
    features = STREAM.child_blocks["paragraph"].features
    assert not {"h1", "h2", "h3", "embed", "image"} & set(features)


def test_image_block_renders_figure_with_alt_and_caption():
    image = make_image()
    html = render(
        "image", {"image": image.pk, "alt_text": "Ein Marktplatz", "caption": "Foto: Stadt"}
    )
    assert html.strip().startswith('<figure class="block-image">')
    assert 'alt="Ein Marktplatz"' in html
    assert "<figcaption>Foto: Stadt</figcaption>" in html


def test_image_block_without_caption_has_no_figcaption():
    html = render("image", {"image": make_image().pk, "alt_text": "Bild", "caption": ""})
    assert "<figcaption" not in html


def test_image_block_requires_alt_text():
    block = STREAM.child_blocks["image"]
    value = block.to_python({"image": make_image().pk, "alt_text": "", "caption": ""})
    with pytest.raises(StructBlockValidationError) as error:
        block.clean(value)
    assert "alt_text" in error.value.block_errors


def test_quote_block_renders_blockquote_with_attribution():
    html = render("quote", {"text": "Mitreden lohnt sich.", "attribution": "Anna"})
    assert "<blockquote><p>Mitreden lohnt sich.</p></blockquote>" in html
    assert "<figcaption>Anna</figcaption>" in html


def test_call_to_action_links_to_a_page(home):
    target = add_page(home, ContentPage(title="Ziel", slug="ziel"))
    html = render(
        "call_to_action",
        {"text": "Machen Sie mit.", "page": target.pk, "url": "", "button_label": "Los"},
    )
    assert f'<a class="button" href="{target.url}">Los</a>' in html
    assert "Machen Sie mit." in html


def test_call_to_action_links_to_an_address():
    html = render(
        "call_to_action",
        {"text": "Mehr", "page": None, "url": "https://example.org/", "button_label": "Weiter"},
    )
    assert 'href="https://example.org/"' in html


@pytest.mark.parametrize(
    "page,url",
    [(None, ""), ("page", "https://example.org/")],
    ids=["neither", "both"],
)
def test_call_to_action_needs_exactly_one_target(home, page, url):
    block = STREAM.child_blocks["call_to_action"]
    target = add_page(home, ContentPage(title="Ziel", slug="ziel")).pk if page else None
    value = block.to_python({"text": "t", "page": target, "url": url, "button_label": "b"})
    with pytest.raises(StructBlockValidationError):
        block.clean(value)


def test_faq_block_renders_details_and_summary():
    html = render(
        "faq",
        {
            "questions": [
                {"question": "Wer darf mitmachen?", "answer": "<p>Alle.</p>"},
                {"question": "Kostet es etwas?", "answer": "<p>Nein.</p>"},
            ]
        },
    )
    assert html.count("<details") == 2
    assert "<summary>Wer darf mitmachen?</summary>" in html
    assert "<summary>Kostet es etwas?</summary>" in html
    assert "<p>Nein.</p>" in html


def test_document_block_shows_label_type_and_size():
    document = make_document(content=b"x" * 2048, name="plan.pdf")
    html = render("document", {"document": document.pk, "label": "Den Plan lesen"})
    assert f'href="{document.url}"' in html
    assert "Den Plan lesen" in html
    assert "PDF" in html
    assert "2,0\xa0KB" in html or "2.0\xa0KB" in html


def test_document_block_falls_back_to_the_document_title():
    document = make_document(title="Gutachten")
    html = render("document", {"document": document.pk, "label": ""})
    assert "Gutachten" in html


def test_consultation_teaser_links_to_the_consultation_page(consultation_index):
    consultation = make_consultation(title="Zukunft der Stadthalle", summary="Sanieren?")
    page = add_consultation_page(consultation_index, consultation)
    html = render("consultation_teaser", {"consultation": consultation.pk})
    assert f'<a href="{page.url}">Zukunft der Stadthalle</a>' in html
    assert "Sanieren?" in html
    assert "badge--open" in html


def test_consultation_teaser_hides_private_consultations_from_strangers(consultation_index):
    consultation = make_consultation(title="Geheimrat", visibility=Consultation.Visibility.PRIVATE)
    add_consultation_page(consultation_index, consultation)
    request = RequestFactory().get("/")
    request.user = AnonymousUser()
    assert "Geheimrat" not in render(
        "consultation_teaser", {"consultation": consultation.pk}, {"request": request}
    )
    request.user = make_user(superuser=True)
    assert "Geheimrat" in render(
        "consultation_teaser", {"consultation": consultation.pk}, {"request": request}
    )


def test_a_page_body_renders_every_block_without_wrappers(client, home):
    image = make_image()
    document = make_document()
    consultation = make_consultation(title="Teaser-Beteiligung")
    page = add_page(
        home,
        ContentPage(
            title="Alles",
            slug="alles",
            body=[
                ("heading", {"level": "h2", "text": "Überschrift"}),
                ("paragraph", RichText("<p>Absatz</p>")),
                ("image", {"image": image, "alt_text": "Alternativtext", "caption": ""}),
                ("quote", {"text": "Zitat", "attribution": ""}),
                (
                    "call_to_action",
                    {"text": "CTA", "page": None, "url": "https://e.org/", "button_label": "Go"},
                ),
                ("faq", {"questions": [{"question": "F?", "answer": RichText("<p>A</p>")}]}),
                ("document", {"document": document, "label": "Download"}),
                ("consultation_teaser", {"consultation": consultation}),
            ],
        ),
    )
    response = client.get(page.url)
    html = response.content.decode()
    assert response.status_code == 200
    for expected in [
        "Überschrift",
        "<p>Absatz</p>",
        'alt="Alternativtext"',
        "<blockquote>",
        'href="https://e.org/"',
        "<summary>F?</summary>",
        "Download",
        "Teaser-Beteiligung",
    ]:
        assert expected in html
    assert "w-block-" not in html
