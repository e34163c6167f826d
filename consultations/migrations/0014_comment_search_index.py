"""A GIN index on the German text vector of published comments, on PostgreSQL only.

Site search (``consultations.selectors.search_comments``) asks
``to_tsvector('german', text) @@ plainto_tsquery('german', ...)`` for published comments; with
this partial index that is an index lookup instead of stemming every comment on every search.
The expression must stay the one ``text_matches`` builds (``SearchVector("text",
config=settings.SEARCH_CONFIG)``), or PostgreSQL no longer uses the index. SQLite has no such
index: there comments are matched by substring (see README, "Search").
"""

from django.db import migrations

INDEX_NAME = "comment_published_text_de"


def _index():
    from django.contrib.postgres.indexes import GinIndex
    from django.contrib.postgres.search import SearchVector
    from django.db.models import Q

    return GinIndex(
        SearchVector("text", config="german"), name=INDEX_NAME, condition=Q(status="published")
    )


def create_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.add_index(apps.get_model("consultations", "Comment"), _index())


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.remove_index(apps.get_model("consultations", "Comment"), _index())


class Migration(migrations.Migration):
    dependencies = [("consultations", "0013_quick_polls")]

    operations = [migrations.RunPython(create_index, drop_index, elidable=False)]
