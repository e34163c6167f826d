"""Staff see dead letters in the Wagtail admin, read-only, without what the task was given."""

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from tests.consultations.tasks.sample_tasks import always_fails, write_line
from tests.factories import make_user

pytestmark = pytest.mark.django_db

SECRET = "/konto/password/reset/key/secret-token/"


@pytest.fixture
def dead_letter(tmp_path, work_off):
    always_fails.enqueue(str(tmp_path / SECRET.replace("/", "_")))
    write_line.enqueue(str(tmp_path / "ok"), "a successful task")
    work_off()
    return DBTaskResult.objects.get(status=TaskResultStatus.FAILED)


def test_staff_see_dead_letters_only_without_their_arguments(admin_client, dead_letter):
    response = admin_client.get(reverse("failed_tasks:index"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "always_fails" in page
    assert "Gescheiterte Aufgaben" in page  # German, as the rest of the admin
    assert "ValueError" in page
    assert "write_line" not in page  # succeeded
    assert "secret-token" not in page
    inspect = admin_client.get(reverse("failed_tasks:inspect", args=[dead_letter.pk]))
    assert inspect.status_code == 200
    assert "this cannot work" in inspect.content.decode()  # the traceback
    assert "secret-token" not in inspect.content.decode()


def test_nobody_edits_or_deletes_queue_rows_here(admin_client, dead_letter):
    for view in ("edit", "delete"):
        response = admin_client.post(reverse(f"failed_tasks:{view}", args=[dead_letter.pk]), {})
        assert response.status_code in {302, 403}, view
    assert admin_client.get(reverse("failed_tasks:add")).status_code in {302, 403}
    dead_letter.refresh_from_db()
    assert dead_letter.status == TaskResultStatus.FAILED


def test_editors_without_the_permission_see_nothing(client, dead_letter):
    editor = make_user(email="editor@example.org")
    editor.user_permissions.add(Permission.objects.get(codename="access_admin"))
    client.force_login(editor)
    response = client.get(reverse("failed_tasks:index"))
    assert response.status_code in {302, 403}
    editor.user_permissions.add(Permission.objects.get(codename="view_dbtaskresult"))
    client.force_login(editor)
    assert client.get(reverse("failed_tasks:index")).status_code == 200


def test_registering_the_viewset_keeps_queue_rows_out_of_the_reference_index(work_off):
    """Indexed rows would enqueue an index update on every save of a queue row, endlessly."""
    from wagtail.models import ReferenceIndex

    from consultations.admin.tasks import failed_tasks_viewset

    failed_tasks_viewset.register_reference_index()
    assert not ReferenceIndex.is_indexed(DBTaskResult)
    write_line.enqueue("/dev/null", "one task")
    assert work_off() == 1
    assert DBTaskResult.objects.count() == 1
