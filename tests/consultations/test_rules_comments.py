"""The permissions whose target is a comment, as a table: comment state × role × phase.

Each row of ``expected`` is the spec for one permission and one state: who (the roles of
test_rules.py, plus the comment's author) and when (in every phase, or only while participation
is open). A permission missing from a state's rows is nobody's. A change to a rule in
consultations/rules.py must change a row here. Every way in (permalink, thread, fragments,
sockets, exports) asks these rules: that is tested in discussions/test_visibility.py.
"""

from datetime import timedelta

import pytest
import rules
from django.db.models import F

from consultations.actions.discussions import delete_comment, post_comment
from consultations.actions.moderation import hide_comment
from consultations.models import Comment, Consultation, ConsultationMembership, Phase
from consultations.phases import PhaseKind
from consultations.roles import SITE_MODERATORS
from tests.consultations.test_rules import PHASES, ROLES, TAKE_PART, VIEW, make_role
from tests.factories import add_member, make_consultation, make_discussion, make_user

pytestmark = pytest.mark.django_db

STATES = ["published", "pending", "hidden", "deleted"]
EVERY_ROLE = [*ROLES, "author"]
MODERATORS = {"consultation_moderator", "site_moderator", "admin"}
ALWAYS, WHILE_OPEN = "in every phase", "while participation is open"


def expected(visibility: str) -> dict[str, dict[str, tuple[set[str], str]]]:
    """state → permission → (who, when)."""
    see = VIEW[visibility] | {"author"}  # the author takes part in private ones too
    take_part = TAKE_PART[visibility]
    return {
        "published": {
            "view_comment": (see, ALWAYS),
            "read_comment": (see, ALWAYS),
            "act_on_comment": (see, ALWAYS),
            "change_comment": ({"author"}, WHILE_OPEN),
            "delete_comment": ({"author"}, ALWAYS),
            "reply_to_comment": (take_part | {"author"}, WHILE_OPEN),
            "react_to_comment": (take_part, WHILE_OPEN),  # never one's own
            # Unlawful content must stay reportable after participation ends.
            "report_comment": (take_part, ALWAYS),
        },
        # Held for review: only its author and moderators know it exists; nobody acts on it
        # but its author, who may withdraw it.
        "pending": {
            "view_comment": (MODERATORS | {"author"}, ALWAYS),
            "read_comment": (MODERATORS | {"author"}, ALWAYS),
            "delete_comment": ({"author"}, ALWAYS),
        },
        # Removed by moderation: a tombstone for everybody, the text for its author and
        # moderators.
        "hidden": {
            "view_comment": (see, ALWAYS),
            "read_comment": (MODERATORS | {"author"}, ALWAYS),
        },
        # Deleted by its author: a tombstone; the text only for moderators (it stays on
        # record for them), not even for the author who withdrew it.
        "deleted": {
            "view_comment": (see, ALWAYS),
            "read_comment": (MODERATORS, ALWAYS),
        },
    }


COMMENT_PERMISSIONS = list(expected("public")["published"])


def test_the_table_covers_every_comment_permission():
    from tests.consultations.test_rules import COMMENT_PERMISSIONS as NAMED

    assert {f"consultations.{name}" for name in COMMENT_PERMISSIONS} == set(NAMED)


def move_to_phase(consultation: Consultation, phase: str) -> None:
    """Shift the phases of a consultation made with ``active="participation"`` so that ``phase``
    runs now. The comment stays as young as it is (its edit window is not what is tested)."""
    kinds = [PhaseKind.INFORMATION, PhaseKind.PARTICIPATION, PhaseKind.EVALUATION, "results"]
    days = {"before": 20, "after": -40}.get(phase)
    if days is None:
        days = -10 * (kinds.index(phase) - 1)
    Phase.objects.filter(consultation=consultation).update(
        start=F("start") + timedelta(days=days), end=F("end") + timedelta(days=days)
    )


def comment_in(state: str, visibility: str, author):
    mode = {"pending": Consultation.ModerationMode.BEFORE}.get(state)
    consultation = make_consultation(
        visibility=visibility, **({"moderation_mode": mode} if mode else {})
    )
    if visibility == Consultation.Visibility.PRIVATE:
        add_member(consultation, author, ConsultationMembership.Role.PARTICIPANT)
    comment = post_comment(
        author=author, discussion=make_discussion(consultation), text="Ein Kommentar"
    )
    if state == "hidden":
        moderator = make_user(groups=(SITE_MODERATORS,))
        hide_comment(moderator=moderator, comment=comment, reason="insult")
    elif state == "deleted":
        delete_comment(author=author, comment=comment)
    comment = Comment.objects.select_related("discussion__consultation").get(pk=comment.pk)
    assert comment.status == state
    return comment


def phases_for(state: str) -> list[str]:
    # Phase plays a part only in what may be done with a published comment.
    return PHASES if state == "published" else ["participation", "results"]


CASES = [
    (visibility, state, phase)
    for visibility in ("public", "private")
    for state in STATES
    for phase in phases_for(state)
]


@pytest.mark.parametrize(
    ("visibility", "state", "phase"), CASES, ids=["-".join(case) for case in CASES]
)
def test_comment_permissions_by_state_role_and_phase(visibility, state, phase):
    author = make_user(pseudonym="Autorin")
    comment = comment_in(state, visibility, author)
    consultation = comment.discussion.consultation
    people = {role: make_role(role, consultation) for role in ROLES}
    people["author"] = author
    move_to_phase(consultation, phase)

    rows = expected(visibility)[state]
    wrong = []
    for role in EVERY_ROLE:
        # Fresh objects: phases and per-user role caches are read once per instance.
        target = Comment.objects.select_related("discussion__consultation").get(pk=comment.pk)
        user = people[role]
        for name in COMMENT_PERMISSIONS:
            who, when = rows.get(name, (set(), ALWAYS))
            allowed = role in who and (when == ALWAYS or phase == "participation")
            if rules.has_perm(f"consultations.{name}", user, target) is not allowed:
                wrong.append(f"{role} {name}: expected {allowed}")
    assert wrong == []
