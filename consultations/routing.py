from django.urls import path, re_path

from consultations import consumers

websocket_urlpatterns = [
    # Pages' one socket (a signed token names what it listens to); see participation/asgi.py.
    path("ws/live/", consumers.PageConsumer.as_asgi()),
    path(
        "ws/consultations/<int:consultation_id>/",
        consumers.ConsultationConsumer.as_asgi(),
    ),
    path("ws/discussions/<int:discussion_id>/", consumers.DiscussionConsumer.as_asgi()),
    path("ws/moderation/", consumers.ModerationQueueConsumer.as_asgi()),
    path("ws/notices/", consumers.NoticesConsumer.as_asgi()),
    path("ws/surveys/<int:survey_id>/results/", consumers.SurveyResultsConsumer.as_asgi()),
    # Last: every other path is closed with "not found" rather than failing in the router.
    re_path(r"", consumers.NotFoundConsumer.as_asgi()),
]
