"""E-mail goes out from the worker: rendered in the request (its language, its links), sent
later, tried again while the mail server is away."""

from __future__ import annotations

from django.core.mail import EmailMessage, EmailMultiAlternatives

from consultations.tasks.queue import background_task, enqueue_on_commit

# With the default delays (30 s, doubling): tries over about a quarter of an hour.
MAIL_ATTEMPTS = 6


def message_to_json(message: EmailMessage) -> dict:
    """What the task needs to send ``message`` again; refuses what it could not carry."""
    if message.attachments:
        raise ValueError("mails with attachments cannot be queued yet")
    return {
        "subject": message.subject,
        "body": message.body,
        "from_email": message.from_email,
        "to": list(message.to),
        "cc": list(message.cc),
        "bcc": list(message.bcc),
        "reply_to": list(message.reply_to),
        "headers": dict(message.extra_headers),
        "content_subtype": message.content_subtype,
        "alternatives": [
            [content, mimetype] for content, mimetype in getattr(message, "alternatives", [])
        ],
    }


def message_from_json(data: dict) -> EmailMultiAlternatives:
    message = EmailMultiAlternatives(
        subject=data["subject"],
        body=data["body"],
        from_email=data["from_email"],
        to=data["to"],
        cc=data.get("cc") or None,
        bcc=data.get("bcc") or None,
        reply_to=data.get("reply_to") or None,
        headers=data.get("headers") or None,
    )
    message.content_subtype = data.get("content_subtype") or "plain"
    for content, mimetype in data.get("alternatives") or []:
        message.attach_alternative(content, mimetype)
    return message


@background_task(attempts=MAIL_ATTEMPTS)
def send_email(message: dict) -> int:
    """Send one queued message; a refusing mail server raises, and the attempt is repeated."""
    return message_from_json(message).send(fail_silently=False)


def send_after_commit(message: EmailMessage) -> None:
    """Queue ``message``: it leaves only if the surrounding transaction commits."""
    enqueue_on_commit(send_email, message_to_json(message))
