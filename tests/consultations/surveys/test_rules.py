"""The survey rules against every role × phase × survey setup (× results setting).

Each table is the spec for the survey permissions: a change to a rule must change a row here.
The expected sets are written out, never recomputed from the rules' own logic.
"""

import pytest
import rules

from consultations import roles
from consultations.actions.surveys import create_survey
from consultations.models import Consultation, Survey
from consultations.modules.surveys import SURVEY
from consultations.phases import PhaseKind
from consultations.predicates import PROSPECTIVE_RESIDENT
from consultations.selectors import would_resident_be_allowed
from tests.consultations.test_rules import make_role
from tests.factories import make_consultation, make_user

PHASES = ["before", "information", "participation", "evaluation", "results", "after"]
EVERY_PHASE = set(PHASES)

ROLES = [
    "anonymous",
    "unverified",
    "resident",
    "participant",
    "consultation_moderator",
    "site_moderator",
    "editor",
    "admin",
    "deleted",
    "blocked_here",
    "blocked_site_wide",
]
EVERYONE = set(ROLES)
STAFF = {"editor", "admin"}

# How an editor set the survey up.
SETUPS = ["default", "information only", "draft", "without account"]
RESULTS = ["during", "after", "never"]

# Who may see the survey (its questions, its page).
VIEW_SURVEY = {
    ("public", "default"): EVERYONE,
    ("public", "information only"): EVERYONE,
    ("public", "without account"): EVERYONE,
    ("public", "draft"): STAFF,
    ("private", "default"): {
        "participant",
        "consultation_moderator",
        "site_moderator",
        "editor",
        "admin",
    },
    ("private", "information only"): {
        "participant",
        "consultation_moderator",
        "site_moderator",
        "editor",
        "admin",
    },
    ("private", "without account"): {
        "participant",
        "consultation_moderator",
        "site_moderator",
        "editor",
        "admin",
    },
    ("private", "draft"): STAFF,
}

# The phases in which the survey takes answers.
ANSWER_PHASES = {
    "default": {"participation"},
    "information only": {"information"},
    "without account": {"participation"},
    "draft": set(),
}

# Who may answer while it takes answers. A block does not keep anyone from answering (answers
# are not public); without an account anybody who sees the survey answers once per browser.
ANSWERS = {
    ("public", "default"): {
        "resident",
        "participant",
        "consultation_moderator",
        "site_moderator",
        "editor",
        "admin",
        "blocked_here",
        "blocked_site_wide",
    },
    ("public", "information only"): {
        "resident",
        "participant",
        "consultation_moderator",
        "site_moderator",
        "editor",
        "admin",
        "blocked_here",
        "blocked_site_wide",
    },
    # Anonymous, unverified and deleted accounts answer through the browser token.
    ("public", "without account"): EVERYONE,
    ("public", "draft"): set(),
    ("private", "default"): {
        "participant",
        "consultation_moderator",
        "site_moderator",
        "editor",
        "admin",
    },
    ("private", "information only"): {
        "participant",
        "consultation_moderator",
        "site_moderator",
        "editor",
        "admin",
    },
    ("private", "without account"): {
        "participant",
        "consultation_moderator",
        "site_moderator",
        "editor",
        "admin",
    },
    ("private", "draft"): set(),
}

# The phases in which the results are public (to everyone who sees the survey). "after": once
# every phase that took answers has ended.
RESULTS_PUBLIC = {
    ("default", "during"): EVERY_PHASE,
    ("default", "after"): {"evaluation", "results", "after"},
    ("default", "never"): set(),
    ("information only", "during"): EVERY_PHASE,
    ("information only", "after"): {"participation", "evaluation", "results", "after"},
    ("information only", "never"): set(),
    ("without account", "during"): EVERY_PHASE,
    ("without account", "after"): {"evaluation", "results", "after"},
    ("without account", "never"): set(),
    ("draft", "during"): set(),
    ("draft", "after"): set(),
    ("draft", "never"): set(),
}
# Besides the public: the survey's staff see results always (drafts too, in preview).
RESULTS_STAFF = STAFF

# Free-text answers, breakdowns, exports, paper entry: the survey's staff, in every phase.
MANAGE = STAFF
# Building surveys (model-level, as the admin asks).
BUILD = {
    "consultations.add_survey": STAFF,
    "consultations.change_survey": STAFF,
    "consultations.delete_survey": STAFF,
}


def make_survey(editor, consultation: Consultation, setup: str, results: str) -> Survey:
    fields = {
        "status": Survey.Status.DRAFT if setup == "draft" else Survey.Status.PUBLISHED,
        "results_visibility": results,
        "allow_without_account": setup == "without account",
    }
    if setup == "information only":
        fields["open_in_phases"] = consultation.phases.filter(kind=PhaseKind.INFORMATION)
    return create_survey(
        editor=editor,
        consultation=consultation,
        title=f"{setup} / {results}",
        questions=[
            {
                "kind": "yes_no",
                "text": "Soll die Halle saniert werden?",
            }
        ],
        **fields,
    )


def fresh(survey: Survey) -> Survey:
    """The survey as views and consumers load it (phases prefetched, nothing cached)."""
    return (
        Survey.objects.select_related("consultation")
        .prefetch_related("consultation__phases", "open_in_phases")
        .get(pk=survey.pk)
    )


SURVEY_PERMISSIONS = {
    "consultations.view_survey",
    "consultations.answer_survey",
    "consultations.view_survey_results",
    "consultations.manage_survey",
    *BUILD,
}


def test_every_survey_permission_is_covered_here():
    from consultations.rules import PERMISSIONS

    covered = SURVEY_PERMISSIONS
    assert SURVEY.permissions <= covered
    assert {name for name in PERMISSIONS if "survey" in name} == covered


@pytest.mark.django_db
@pytest.mark.parametrize("visibility", ["public", "private"])
@pytest.mark.parametrize("phase", PHASES)
@pytest.mark.parametrize("role", ROLES)
def test_role_phase_setup_table(role, phase, visibility):
    consultation = make_consultation(active=phase, visibility=visibility)
    builder = make_user(groups=(roles.EDITORS,))
    user = make_role(role, consultation)

    for setup in SETUPS:
        for results in RESULTS:
            survey = fresh(make_survey(builder, consultation, setup, results))
            where = (visibility, setup)
            sees = role in VIEW_SURVEY[where]
            answers = phase in ANSWER_PHASES[setup] and role in ANSWERS[where]
            sees_results = sees and (
                phase in RESULTS_PUBLIC[(setup, results)] or role in RESULTS_STAFF
            )
            manages = role in MANAGE
            context = (setup, results)
            assert rules.has_perm("consultations.view_survey", user, survey) is sees, context
            assert rules.has_perm("consultations.answer_survey", user, survey) is answers, context
            assert (
                rules.has_perm("consultations.view_survey_results", user, survey) is sees_results
            ), context
            assert rules.has_perm("consultations.manage_survey", user, survey) is manages, context

    for permission, allowed in BUILD.items():
        assert rules.has_perm(permission, user, None) is (role in allowed), permission


@pytest.mark.django_db
@pytest.mark.parametrize("phase", PHASES)
def test_login_prompt_only_where_signing_up_would_help(phase):
    editor = make_user(groups=(roles.EDITORS,))
    public = make_consultation(active=phase)
    private = make_consultation(active=phase, visibility=Consultation.Visibility.PRIVATE)

    expected = {
        "default": phase == "participation",
        "information only": phase == "information",
        "draft": False,
        "without account": phase == "participation",
    }
    for setup in SETUPS:
        survey = fresh(make_survey(editor, public, setup, "after"))
        assert (
            would_resident_be_allowed("consultations.answer_survey", survey) is (expected[setup])
        ), setup
        hidden = fresh(make_survey(editor, private, setup, "after"))
        assert would_resident_be_allowed("consultations.answer_survey", hidden) is False, setup
    # A prospective resident is never a survey's staff.
    assert not rules.has_perm("consultations.manage_survey", PROSPECTIVE_RESIDENT, survey)


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["resident", "site_moderator", "editor", "admin"])
def test_user_has_perm_agrees_with_the_rules(role):
    """Views and templates ask ``user.has_perm``; superusers get no shortcut for survey rules."""
    consultation = make_consultation(active="participation")
    survey = fresh(
        make_survey(make_user(groups=(roles.EDITORS,)), consultation, "default", "never")
    )
    user = make_role(role, consultation)
    for permission in SURVEY.permissions:
        assert user.has_perm(permission, survey) is rules.has_perm(permission, user, survey)


@pytest.mark.django_db
def test_an_inactive_resident_cannot_answer():
    consultation = make_consultation(active="participation")
    survey = fresh(
        make_survey(make_user(groups=(roles.EDITORS,)), consultation, "default", "during")
    )
    user = make_user()
    user.is_active = False
    user.save()
    assert not rules.has_perm("consultations.answer_survey", user, survey)


@pytest.mark.django_db
def test_survey_rule_checks_cost_a_bounded_number_of_queries(django_assert_max_num_queries):
    """Verification, groups, memberships and chosen phases are looked up once per object."""
    consultation = make_consultation(active="participation")
    editor = make_user(groups=(roles.EDITORS,))
    survey = fresh(make_survey(editor, consultation, "information only", "after"))
    user = make_user()
    with django_assert_max_num_queries(6):
        for _ in range(3):
            for permission in SURVEY.permissions:
                rules.has_perm(permission, user, survey)
