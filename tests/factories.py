"""Build test state the way the application does: through models' managers and actions."""

from __future__ import annotations

import itertools
from datetime import timedelta

from allauth.account.models import EmailAddress
from django.contrib.auth.models import Group
from django.utils import timezone
from django.utils.text import slugify

from consultations.models import (
    Comment,
    Consultation,
    ConsultationMembership,
    District,
    Phase,
    Topic,
    User,
)
from consultations.phases import PhaseKind

_counter = itertools.count(1)

PASSWORD = "a-long-test-password-42"


def make_user(
    *,
    email: str | None = None,
    pseudonym: str | None = None,
    verified: bool = True,
    groups: tuple[str, ...] = (),
    superuser: bool = False,
    **fields,
) -> User:
    n = next(_counter)
    # Established accounts unless a test says otherwise: new ones have less weight (reports).
    fields.setdefault("date_joined", timezone.now() - timedelta(days=30))
    email = email or f"person{n}@example.org"
    pseudonym = pseudonym or f"Person{n}"
    if superuser:
        user = User.objects.create_superuser(email=email, password=PASSWORD, pseudonym=pseudonym)
    else:
        user = User.objects.create_user(
            email=email, password=PASSWORD, pseudonym=pseudonym, **fields
        )
    EmailAddress.objects.create(user=user, email=email, verified=verified, primary=True)
    for name in groups:
        # get_or_create: transactional tests flush the groups the migrations made.
        user.groups.add(Group.objects.get_or_create(name=name)[0])
    return user


def make_topic(name: str = "Mobilität") -> Topic:
    return Topic.objects.get_or_create(name=name, defaults={"slug": slugify(name)})[0]


def make_district(name: str = "Altstadt", population: int | None = 5000) -> District:
    return District.objects.get_or_create(
        name=name, defaults={"slug": slugify(name), "population": population}
    )[0]


def make_consultation(
    *,
    title: str | None = None,
    active: str | None = PhaseKind.PARTICIPATION,
    visibility: str = Consultation.Visibility.PUBLIC,
    topic: Topic | None = None,
    district: District | None = None,
    **fields,
) -> Consultation:
    """A consultation with four consecutive phases; ``active`` names the one running now.

    ``active="before"`` puts all phases in the future, ``active="after"`` all in the past.
    """
    n = next(_counter)
    title = title or f"Beteiligung {n}"
    consultation = Consultation.objects.create(
        title=title,
        slug=f"{slugify(title)}-{n}",
        summary=fields.pop("summary", "Worum es geht."),
        visibility=visibility,
        topic=topic,
        district=district,
        **fields,
    )
    kinds = [
        PhaseKind.INFORMATION,
        PhaseKind.PARTICIPATION,
        PhaseKind.EVALUATION,
        PhaseKind.RESULTS,
    ]
    now = timezone.now()
    if active == "before":
        start = now + timedelta(days=1)
    elif active == "after":
        start = now - timedelta(days=40)
    else:
        start = now - timedelta(days=10 * kinds.index(active) + 5)
    for index, kind in enumerate(kinds):
        Phase.objects.create(
            consultation=consultation,
            kind=kind,
            start=start + timedelta(days=10 * index),
            end=start + timedelta(days=10 * (index + 1)),
        )
    return consultation


def add_member(consultation: Consultation, user: User, role: str) -> ConsultationMembership:
    return ConsultationMembership.objects.create(consultation=consultation, user=user, role=role)


def make_discussion(consultation: Consultation | None = None, **fields):
    from consultations.models import Discussion

    consultation = consultation or make_consultation()
    fields.setdefault("title", "Diskussion")
    return Discussion.objects.create(consultation=consultation, **fields)


def add_big_discussion(discussion, reader: User | None = None, *, threads: int = 500):
    """1,000 comments: ``threads`` top-level ones with a reply each, 25 words apiece, some by
    the reader (whose own comments ask more rules) and some agreed with."""
    authors = [make_user() for _ in range(4)] + ([reader] if reader else [])
    words = [
        "Stadthalle",
        "Kultur",
        "Sanierung",
        "Parkplatz",
        "Bürgerhaus",
        "Konzert",
        "Bücherei",
        "Garten",
    ]

    def text(i):
        return " ".join(words[(i + n) % len(words)] for n in range(25))

    tops = Comment.objects.bulk_create(
        Comment(
            discussion=discussion, author=authors[i % len(authors)], text=text(i), agree_count=i % 7
        )
        for i in range(threads)
    )
    Comment.objects.bulk_create(
        Comment(
            discussion=discussion,
            author=authors[(i + 1) % len(authors)],
            text=text(i + 3),
            thread=t,
            reply_to=t,
        )
        for i, t in enumerate(tops)
    )
