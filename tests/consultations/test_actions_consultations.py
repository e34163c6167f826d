from unittest import mock

import pytest

from consultations import realtime
from consultations.actions import ActionError, PermissionDenied
from consultations.actions.consultations import publish_results
from consultations.models import LiveEvent
from tests.factories import make_consultation, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def editor():
    return make_user(groups=("Editors",))


def test_editor_publishes_results_and_it_is_broadcast(editor, django_capture_on_commit_callbacks):
    consultation = make_consultation(active="results")
    with mock.patch.object(realtime, "send_now") as send:
        with django_capture_on_commit_callbacks(execute=True):
            publish_results(
                editor=editor,
                consultation=consultation,
                statement="Der Rat folgt 7 von 9 Empfehlungen.\n\n<script>x</script>Mehr folgt.",
            )
    consultation.refresh_from_db()
    assert consultation.results_statement == "Der Rat folgt 7 von 9 Empfehlungen.\n\nMehr folgt."
    assert consultation.results_published_at is not None
    event = LiveEvent.objects.get()
    assert event.type == "consultation.results_published"
    assert event.group == f"consultation.{consultation.pk}"
    send.assert_called_once()
    group, message = send.call_args.args
    assert group == event.group and message["event"]["id"] == event.pk


@pytest.mark.parametrize("role", [{}, {"groups": ("Site moderators",)}])
def test_others_may_not_publish_results(role):
    consultation = make_consultation(active="results")
    with pytest.raises(PermissionDenied):
        publish_results(editor=make_user(**role), consultation=consultation, statement="Text")
    consultation.refresh_from_db()
    assert consultation.results_statement == ""
    assert not LiveEvent.objects.exists()


@pytest.mark.parametrize("statement", ["", "   ", "<b></b>", "x" * 20001])
def test_empty_or_oversized_statement_is_refused_and_changes_nothing(editor, statement):
    consultation = make_consultation(active="results")
    with pytest.raises(ActionError):
        publish_results(editor=editor, consultation=consultation, statement=statement)
    consultation.refresh_from_db()
    assert consultation.results_published_at is None
    assert not LiveEvent.objects.exists()
