from django.conf import settings
from django.contrib import admin
from django.templatetags.static import static
from django.urls import include, path, re_path
from django.views.generic import RedirectView
from django.views.static import serve
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.documents import urls as wagtaildocs_urls

from cms import views as cms_views
from consultations import urls as consultation_urls


class FaviconRedirect(RedirectView):
    """Browsers ask for /favicon.ico whatever the page says; the name is resolved per request
    because the hashed static file name is only known once collectstatic has run."""

    permanent = False

    def get_redirect_url(self, *args, **kwargs):
        return static("favicon.svg")


urlpatterns = [
    path("admin/", include(wagtailadmin_urls)),
    path("django-admin/", admin.site.urls),
    path("dokumente/", include(wagtaildocs_urls)),
    path("konto/", include("allauth.urls")),
    path("", include(consultation_urls)),
    path("suche/", cms_views.search, name="search"),
    path("favicon.ico", FaviconRedirect.as_view()),
]

if settings.SERVE_MEDIA:
    # Uploaded images and documents; at city scale the reverse proxy serves /media/ instead.
    urlpatterns += [
        re_path(r"^media/(?P<path>.*)$", serve, {"document_root": settings.MEDIA_ROOT}),
    ]

urlpatterns += [path("", include(wagtail_urls))]
