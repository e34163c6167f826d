import pytest

from consultations.sanitising import clean_html, clean_plain_text, render_plain_text
from tests.hostile_inputs import HOSTILE_INPUTS, assert_inert


def test_there_are_at_least_fifty_hostile_inputs():
    assert len(set(HOSTILE_INPUTS)) >= 50


@pytest.mark.parametrize("hostile", HOSTILE_INPUTS)
def test_hostile_text_renders_inert(hostile):
    stored = clean_plain_text(hostile)
    assert "\x00" not in stored and "\u202e" not in stored and "\u200b" not in stored
    # Only our own <p>, <br> and <a rel=...> elements may appear; any other "<" is escaped.
    assert_inert(str(render_plain_text(stored)), {"p", "br", "a"})


@pytest.mark.parametrize("hostile", HOSTILE_INPUTS)
def test_hostile_html_is_cleaned(hostile):
    assert_inert(
        clean_html(hostile), {"p", "br", "strong", "em", "ul", "ol", "li", "a", "blockquote"}
    )


def test_plain_text_keeps_meaning():
    assert clean_plain_text("  a < b && c > d  ") == "a < b && c > d"
    assert clean_plain_text("Zeile 1\r\nZeile 2\n\n\n\nAbsatz") == "Zeile 1\nZeile 2\n\nAbsatz"
    assert clean_plain_text("<b>fett</b> und <i>kursiv</i>") == "fett und kursiv"
    assert clean_plain_text(None) == ""


def test_render_makes_paragraphs_and_safe_links():
    html = str(render_plain_text("Siehe https://example.org/plan.pdf\nDanke\n\n2. Absatz <b>"))
    assert html.startswith("<p>Siehe <a ")
    assert 'href="https://example.org/plan.pdf"' in html
    assert 'rel="nofollow ugc noopener"' in html
    assert "<br>Danke</p><p>2. Absatz &lt;b&gt;</p>" in html
