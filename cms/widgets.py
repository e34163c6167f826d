"""The admin's slug field, German: Wagtail's slug widget, told to spell ä, ö, ü and ß out
before it makes the slug (``consultations.slugs``, the table the server uses too)."""

from wagtail.admin.widgets import SlugInput

from consultations.slugs import SLUG_FORMATTERS


class GermanSlugInput(SlugInput):
    """Typing "Straßenfest Süd" as a title proposes ``strassenfest-sued``: the formatters
    spell the umlauts out, and without Unicode slugs Wagtail's own transliteration handles
    the remaining accents (é → e), as ``german_slugify`` does on the server."""

    def __init__(self, attrs=None):
        # False leaves the attribute out: the slug controller then makes ASCII slugs.
        super().__init__(
            attrs={"data-w-slug-allow-unicode-value": False, **(attrs or {})},
            formatters=SLUG_FORMATTERS,
        )


def title_syncs_to(slug_field_id: str) -> dict:
    """The attributes Wagtail's ``TitleFieldPanel`` puts on a title input so that typing it
    fills the slug field (for forms without panels)."""
    return {
        "data-controller": "w-sync",
        "data-action": (
            "focus->w-sync#check blur->w-sync#apply change->w-sync#apply keyup->w-sync#apply"
        ),
        "data-w-sync-target-value": f"#{slug_field_id}",
    }
