"""Account mails leave from the worker: after the commit, tried again while the mail server
refuses, never for a transaction that rolled back."""

import contextlib

import pytest
from django.core import mail
from django.core.mail import EmailMessage, EmailMultiAlternatives
from django.db import transaction
from django.urls import reverse

from consultations.tasks.mail import message_from_json, message_to_json, send_after_commit
from tests.consultations.tasks.sample_tasks import RefusingEmailBackend
from tests.consultations.test_accounts import SIGNUP
from tests.tasks_in_process import commit_each_request

pytestmark = pytest.mark.django_db


@pytest.fixture
def client(client, django_capture_on_commit_callbacks):
    return commit_each_request(client, django_capture_on_commit_callbacks)


@pytest.fixture
def refusing_mail_server(settings):
    settings.EMAIL_BACKEND = "tests.consultations.tasks.sample_tasks.RefusingEmailBackend"
    yield RefusingEmailBackend
    RefusingEmailBackend.refusals = 0


def test_signup_succeeds_while_the_mail_server_refuses_and_the_mail_follows(
    client, refusing_mail_server, settings
):
    settings.TASK_RETRY_DELAY_SECONDS = 0
    refusing_mail_server.refusals = 2
    response = client.post(reverse("account_signup"), SIGNUP)
    assert response.status_code == 302
    assert [message.to for message in mail.outbox] == [[SIGNUP["email"]]]
    assert refusing_mail_server.refusals == 0


def test_a_mail_queued_in_a_transaction_that_rolls_back_is_never_sent(
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True):
        with contextlib.suppress(RuntimeError), transaction.atomic():
            send_after_commit(EmailMessage("Lost", "Body", to=["a@example.org"]))
            raise RuntimeError
        send_after_commit(EmailMessage("Sent", "Body", to=["b@example.org"]))
    assert [message.subject for message in mail.outbox] == ["Sent"]


def test_a_queued_message_keeps_everything_allauth_puts_in_it():
    message = EmailMultiAlternatives(
        "Betreff äöü",
        "Text",
        "Mitreden <m@example.org>",
        ["a@example.org"],
        cc=["c@example.org"],
        reply_to=["r@example.org"],
        headers={"X-Mitreden": "1"},
    )
    message.attach_alternative("<p>HTML</p>", "text/html")
    again = message_from_json(message_to_json(message))
    for name in ("subject", "body", "from_email", "to", "cc", "reply_to", "extra_headers"):
        assert getattr(again, name) == getattr(message, name), name
    assert list(again.alternatives) == [("<p>HTML</p>", "text/html")]
    html_only = EmailMessage("S", "<p>B</p>", to=["a@example.org"])
    html_only.content_subtype = "html"
    assert message_from_json(message_to_json(html_only)).content_subtype == "html"


def test_a_message_with_attachments_is_refused_rather_than_sent_without_them():
    message = EmailMessage("S", "B", to=["a@example.org"])
    message.attach("a.txt", "x", "text/plain")
    with pytest.raises(ValueError):
        message_to_json(message)
