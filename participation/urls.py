from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path
from django.views.static import serve
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.documents import urls as wagtaildocs_urls

from cms import views as cms_views
from consultations import urls as consultation_urls

urlpatterns = [
    path("admin/", include(wagtailadmin_urls)),
    path("django-admin/", admin.site.urls),
    path("dokumente/", include(wagtaildocs_urls)),
    path("konto/", include("allauth.urls")),
    path("", include(consultation_urls)),
    path("suche/", cms_views.search, name="search"),
]

if settings.SERVE_MEDIA:
    # Uploaded images and documents; at city scale the reverse proxy serves /media/ instead.
    urlpatterns += [
        re_path(r"^media/(?P<path>.*)$", serve, {"document_root": settings.MEDIA_ROOT}),
    ]

urlpatterns += [path("", include(wagtail_urls))]
