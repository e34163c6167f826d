from django.urls import path

from consultations.views import (
    accounts,
    councils,
    discussions,
    language,
    moderation,
    polls,
    surveys,
)

urlpatterns = [
    path("konto/profil/", accounts.profile, name="profile"),
    path("konto/daten/", accounts.export_data, name="export_data"),
    path("konto/loeschen/", accounts.delete_account, name="delete_account"),
    path("konto/benachrichtigungen/", moderation.notifications, name="notifications"),
    path("sprache/", language.set_language, name="set_language"),
    path("diskussionen/<int:pk>/", discussions.discussion_detail, name="discussion_detail"),
    path(
        "diskussionen/<int:pk>/kommentare/",
        discussions.discussion_comments,
        name="discussion_comments",
    ),
    path("diskussionen/<int:pk>/kommentieren/", discussions.post_comment, name="post_comment"),
    path("kommentare/<int:pk>/", discussions.comment_permalink, name="comment_permalink"),
    path("kommentare/<int:pk>/bearbeiten/", discussions.edit_comment, name="edit_comment"),
    path("kommentare/<int:pk>/loeschen/", discussions.delete_comment, name="delete_comment"),
    path("kommentare/<int:pk>/reagieren/", discussions.react, name="react"),
    path("kommentare/<int:pk>/melden/", discussions.report_comment, name="report_comment"),
    path("kommentare/<int:pk>/moderieren/", moderation.decide, name="moderate_comment"),
    path("kommentare/<int:pk>/sperren/", moderation.block_author, name="block_author"),
    path("abstimmungen/<int:pk>/", polls.poll_detail, name="poll_detail"),
    path("abstimmungen/<int:pk>/abstimmen/", polls.poll_vote, name="poll_vote"),
    path("umfragen/<int:pk>/", surveys.survey_detail, name="survey_detail"),
    path("umfragen/<int:pk>/ergebnisse/", surveys.results, name="survey_results"),
    path("umfragen/<int:pk>/auswertung/", surveys.staff_overview, name="survey_staff"),
    path(
        "umfragen/<int:pk>/auswertung/freitext/<int:question_pk>/",
        surveys.free_text,
        name="survey_free_text",
    ),
    path(
        "umfragen/<int:pk>/auswertung/antworten.<str:format>",
        surveys.export,
        name="survey_export",
    ),
    path("umfragen/<int:pk>/papier/", surveys.paper_entry, name="survey_paper_entry"),
    path("buergerraete/<int:pk>/", councils.council_detail, name="council_detail"),
    path("moderation/", moderation.queue, name="moderation_queue"),
    path("moderation/kommentare/<int:pk>/", moderation.comment_detail, name="moderation_comment"),
    path(
        "beteiligungen/<slug:slug>/moderationsprotokoll/",
        moderation.moderation_log,
        name="moderation_log",
    ),
]
