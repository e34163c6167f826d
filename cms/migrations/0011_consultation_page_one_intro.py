"""One introduction per consultation: the consultation's summary. The page's own introduction
field goes; what it said that the summary does not is added to the summary as a paragraph
of its own, from the page and from its latest revision (a draft), so nothing is lost."""

from django.db import migrations


def merged_summary(summary: str, intros) -> str:
    """``summary`` with each introduction it does not already contain as a paragraph."""
    for intro in intros:
        intro = (intro or "").strip()
        if intro and intro not in summary:
            summary = f"{summary.rstrip()}\n\n{intro}" if summary.strip() else intro
    return summary


def move_intros_to_summaries(apps, schema_editor):
    ConsultationPage = apps.get_model("cms", "ConsultationPage")
    Consultation = apps.get_model("consultations", "Consultation")
    Revision = apps.get_model("wagtailcore", "Revision")
    for page in ConsultationPage.objects.all().iterator():
        intros = [page.intro or ""]
        if page.latest_revision_id:
            revision = Revision.objects.filter(pk=page.latest_revision_id).first()
            if revision is not None and isinstance(revision.content, dict):
                intros.append(revision.content.get("intro") or "")
        consultation = Consultation.objects.get(pk=page.consultation_id)
        summary = merged_summary(consultation.summary or "", intros)
        if summary != consultation.summary:
            Consultation.objects.filter(pk=consultation.pk).update(summary=summary)


class Migration(migrations.Migration):
    dependencies = [
        ("cms", "0010_quick_poll_block"),
        ("consultations", "0013_quick_polls"),
        ("wagtailcore", "0098_apitoken"),
    ]

    operations = [
        migrations.RunPython(move_intros_to_summaries, migrations.RunPython.noop),
        migrations.RemoveField(model_name="consultationpage", name="intro"),
    ]
