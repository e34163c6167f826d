"""Public names (pseudonyms): one normal form, the rules a name must meet, and look-alikes.

A public name is what other people see next to a contribution, so it must not pass for the
town, its staff or another person. Every path that sets a pseudonym goes through here: the
sign-up and profile forms, the Wagtail admin (model field validator and
``User.validate_constraints``), the user manager (``createsuperuser``, the demo loader, scripts).

**Normal form** (``normalise``): Unicode NFKC (full-width and ligature letters become plain
ones), invisible formatting characters (zero-width spaces, direction overrides) dropped, ’ as
', whitespace trimmed and collapsed to single spaces.

**Rules** (``validate``), checked on the normal form, each with its own message:

- not empty; no ``@`` (no e-mail addresses);
- only letters, combining accents, the digits 0–9, spaces and ``_ - . '``. Markup is *refused*,
  not stripped: ``<b>x</b>`` is rejected for "<", ">" and "/" instead of silently becoming "x";
- at least one letter; 3 to 40 characters (counted after normalisation);
- letters of one script only (Latin, Cyrillic, Greek, …; Chinese/Japanese/Korean count as one),
  so "Mоderation" with a Cyrillic "о" is refused;
- no reserved word (``RESERVED_NAMES`` plus the site's names, see ``site_identity``): a run of
  one or more consecutive words of the name whose look-alike key equals a reserved name's key.
  Words split at spaces, ``_ - . '``, lower→upper case changes and letter/digit changes, so
  "Stadt Musterstadt", "AnnaAdmin", "Admin1", "M o d e r a t i o n" and "Adm1n" are refused
  while "Altstadt" or "Badminton" are not. Staff paths (admin, manager) may assign reserved
  names on purpose (the moderation team's account is called "Moderation"); self-service may not.

**Look-alikes** (``key``): casefold, accents removed, common Cyrillic/Greek homoglyphs mapped
to Latin, 0→o, 1→l, 5→s, i→l, "rn"→m, "vv"→w, and separators dropped. Two people cannot have
the same key: ``User.pseudonym_key`` carries a unique constraint, so even two simultaneous
sign-ups cannot create confusable names.
"""

from __future__ import annotations

import re
import unicodedata

from django.core.exceptions import ValidationError
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

MIN_LENGTH = 3
MAX_LENGTH = 40

# Reserved for the town, its staff and the platform (compared by look-alike key, whole words).
# The site's own names (SITE_NAME, Wagtail's site name, the town's name) are added at run time.
RESERVED_NAMES = (
    # platform and technical roles
    "Mitreden",
    "Admin",
    "Administrator",
    "Administratorin",
    "Administration",
    "Sysadmin",
    "Root",
    "Webmaster",
    "System",
    "Support",
    "Staff",
    "Official",
    "Offiziell",
    # moderation and editorial team
    "Moderation",
    "Moderator",
    "Moderatorin",
    "Moderatoren",
    "Mod",
    "Mods",
    "Redaktion",
    "Redakteur",
    "Redakteurin",
    "Editor",
    # the town and its offices
    "Stadt",
    "Stadtverwaltung",
    "Verwaltung",
    "Rathaus",
    "Gemeinde",
    "Bürgermeister",
    "Bürgermeisterin",
    "Oberbürgermeister",
    "Oberbürgermeisterin",
    "Bürgerbüro",
    "Pressestelle",
    # what deleted accounts are shown as
    "Gelöschtes Konto",
    "Gelöscht",
    "Geloescht",
    "Deleted account",
    "Deleted",
)

SEPARATORS = " _-.'"
_SEPARATOR_RE = re.compile(r"[ _\-.']+")
_WHITESPACE_RE = re.compile(r"\s+")

_HOMOGLYPHS = str.maketrans(
    {
        # Cyrillic
        "а": "a",
        "в": "b",
        "г": "r",
        "е": "e",
        "з": "3",
        "і": "i",
        "ј": "j",
        "к": "k",
        "м": "m",
        "н": "h",
        "о": "o",
        "п": "n",
        "р": "p",
        "с": "c",
        "т": "t",
        "у": "y",
        "х": "x",
        "ш": "w",
        "щ": "w",
        "ь": "b",
        "ѕ": "s",
        "һ": "h",
        "ӏ": "l",
        "ԁ": "d",
        "ԛ": "q",
        "ԝ": "w",
        "ү": "y",
        "ѵ": "v",
        # Greek
        "α": "a",
        "β": "b",
        "γ": "y",
        "ε": "e",
        "ζ": "z",
        "η": "n",
        "ι": "i",
        "κ": "k",
        "μ": "u",
        "ν": "v",
        "ο": "o",
        "π": "n",
        "ρ": "p",
        "σ": "o",
        "ς": "c",
        "τ": "t",
        "υ": "u",
        "χ": "x",
        "ω": "w",
        # Latin letters without a decomposition
        "ı": "i",
        "ɑ": "a",
        "ɡ": "g",
        "ø": "o",
        "ł": "l",
        "đ": "d",
        "ħ": "h",
        "ŧ": "t",
        "æ": "ae",
        "œ": "oe",
        # digits and letters that look alike
        "0": "o",
        "1": "l",
        "5": "s",
        "i": "l",
    }
)
_MULTI_GLYPHS = (("rn", "m"), ("vv", "w"))
_INVISIBLE_CATEGORIES = {"Cc", "Cf", "Cs", "Co", "Cn"}
_CJK_SCRIPTS = {"CJK", "HIRAGANA", "KATAKANA", "KATAKANA-HIRAGANA", "HANGUL", "IDEOGRAPHIC"}

SCRIPT_LABELS = {
    "LATIN": pgettext_lazy("script of a letter", "Latin"),
    "CYRILLIC": pgettext_lazy("script of a letter", "Cyrillic"),
    "GREEK": pgettext_lazy("script of a letter", "Greek"),
    "CJK": pgettext_lazy("script of a letter", "Chinese, Japanese or Korean"),
    "ARABIC": pgettext_lazy("script of a letter", "Arabic"),
    "HEBREW": pgettext_lazy("script of a letter", "Hebrew"),
}

MESSAGES = {
    "required": _("Please enter a public name."),
    "email": _("A public name must not contain an e-mail address."),
    "characters": _(
        "A public name may only contain letters, digits, spaces and the characters _ - . ' "
        "– not: %(characters)s"
    ),
    "no_letter": _("A public name needs at least one letter."),
    "too_short": _("A public name needs at least %(limit)d characters; “%(name)s” has %(count)d."),
    "too_long": _("A public name may have at most %(limit)d characters; this one has %(count)d."),
    "mixed_scripts": _(
        "A public name may only use the letters of one alphabet: character %(position)d "
        "(“%(character)s”) is %(script)s, the others are %(main_script)s."
    ),
    "reserved": _(
        "“%(word)s” is reserved for the town and this platform. Please choose another public name."
    ),
    "taken": _("This public name is already taken."),
    "confusable": _(
        "This public name looks too much like “%(other)s”, which someone already uses. "
        "Please choose a clearly different one."
    ),
}


def _error(code: str, **params) -> ValidationError:
    return ValidationError(MESSAGES[code], code=code, params=params or None)


def normalise(raw: str | None) -> str:
    """The form a public name is stored and shown in (see the module docstring)."""
    text = unicodedata.normalize("NFKC", str(raw or ""))
    text = text.replace("’", "'")
    text = "".join(
        ch for ch in text if ch.isspace() or unicodedata.category(ch) not in _INVISIBLE_CATEGORIES
    )
    return _WHITESPACE_RE.sub(" ", text).strip()


def key(name: str) -> str:
    """The look-alike key: two names with the same key read as the same name."""
    text = unicodedata.normalize("NFKD", normalise(name).casefold())
    text = "".join(ch for ch in text if not unicodedata.category(ch).startswith("M"))
    text = _SEPARATOR_RE.sub("", text).translate(_HOMOGLYPHS)
    for glyphs, letter in _MULTI_GLYPHS:
        text = text.replace(glyphs, letter)
    return text


def _script(ch: str) -> str | None:
    """The script of a letter (None for anything else); CJK scripts count as one."""
    if not unicodedata.category(ch).startswith("L"):
        return None
    first = unicodedata.name(ch, "UNKNOWN").split()[0]
    return "CJK" if first in _CJK_SCRIPTS else first


def _allowed(ch: str, previous: str) -> bool:
    category = unicodedata.category(ch)
    if ch in SEPARATORS or "0" <= ch <= "9":
        return True
    if category in {"Lu", "Ll", "Lt", "Lo"}:
        return True
    if category == "Lm":  # e.g. the Japanese long-vowel mark, not modifier apostrophes
        return _script(ch) not in {"MODIFIER", "UNKNOWN"}
    # Combining accents only on a letter (NFKC composed the common ones already).
    return category in {"Mn", "Mc"} and bool(previous) and unicodedata.category(previous)[0] in "LM"


def _check_shape(name: str) -> None:
    if not name:
        raise _error("required")
    if "@" in name:
        raise _error("email")
    previous = ""
    refused = []
    for ch in name:
        if not _allowed(ch, previous) and ch not in refused:
            refused.append(ch)
        previous = ch
    if refused:
        shown = ", ".join(
            f"„{ch}“"
            if ch.isprintable() and not unicodedata.category(ch).startswith("M")
            else f"U+{ord(ch):04X}"
            for ch in refused
        )
        raise _error("characters", characters=shown)
    if not any(_script(ch) for ch in name):
        raise _error("no_letter")
    if len(name) < MIN_LENGTH:
        raise _error("too_short", limit=MIN_LENGTH, name=name, count=len(name))
    if len(name) > MAX_LENGTH:
        raise _error("too_long", limit=MAX_LENGTH, count=len(name))
    scripts = [(position, ch, _script(ch)) for position, ch in enumerate(name, 1) if _script(ch)]
    counts: dict[str, int] = {}
    for _position, _ch, script in scripts:
        counts[script] = counts.get(script, 0) + 1
    if len(counts) > 1:
        main = max(counts, key=lambda script: (counts[script], script == "LATIN"))
        position, ch, script = next(item for item in scripts if item[2] != main)
        raise _error(
            "mixed_scripts",
            position=position,
            character=ch,
            script=_script_label(script),
            main_script=_script_label(main),
        )


def _script_label(script: str):
    return SCRIPT_LABELS.get(script) or format_lazy("{}", script.title())


def _words(name: str) -> list[str]:
    """Split at separators, at a lower→upper case change ("AnnaAdmin") and between letters
    and digits ("Admin1")."""
    words, current, previous = [], "", ""
    for ch in name:
        if ch in SEPARATORS:
            words.append(current)
            current, previous = "", ""
            continue
        if current and (
            (previous.islower() and ch.isupper()) or (previous.isdigit() != ch.isdigit())
        ):
            words.append(current)
            current = ""
        current += ch
        previous = ch
    words.append(current)
    return [word for word in words if word]


def reserved_names() -> list[str]:
    """The documented list plus the names that stand for this site."""
    from consultations.site_identity import site_names

    return [*RESERVED_NAMES, *site_names()]


def reserved_word_in(name: str) -> str | None:
    """The reserved name that ``name`` contains as one or more consecutive words, if any."""
    reserved = {}
    for word in reserved_names():
        reserved.setdefault(key(word), word)
    words = [key(word) for word in _words(name)]
    for start in range(len(words)):
        joined = ""
        for word in words[start:]:
            joined += word
            if joined in reserved:
                return reserved[joined]
    return None


def check_reserved(name: str) -> None:
    word = reserved_word_in(name)
    if word:
        raise _error("reserved", word=word)


def validate(raw: str | None, *, allow_reserved: bool = False) -> str:
    """The normal form of ``raw`` if it meets every rule; else a ValidationError with a code.

    ``allow_reserved`` is for staff paths that name an official account on purpose.
    """
    name = normalise(raw)
    _check_shape(name)
    if not allow_reserved:
        check_reserved(name)
    return name


def validate_pseudonym_field(value: str) -> None:
    """Model field validator: the rules staff paths must meet too (reserved words allowed)."""
    validate(value, allow_reserved=True)


def check_available(name: str, *, exclude_pk=None) -> None:
    """Refuse a name that someone else has, in any spelling or look-alike form."""
    from consultations.models import User

    others = User.objects.filter(pseudonym_key=key(name))
    if exclude_pk is not None:
        others = others.exclude(pk=exclude_pk)
    other = others.only("pseudonym").first()
    if other is None:
        return
    if other.pseudonym.casefold() == name.casefold():
        raise _error("taken")
    raise _error("confusable", other=other.pseudonym)
