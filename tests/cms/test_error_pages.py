"""The 404 page belongs to the site; the 500 page stands alone (no database, no context)."""

import re

import pytest
from django.template import loader
from django.test import RequestFactory
from django.urls import reverse
from django.utils import translation
from django.views.defaults import server_error

pytestmark = pytest.mark.django_db


def test_unknown_addresses_get_the_site_s_404_page(client, home):
    response = client.get("/gibt-es-nicht/")
    assert response.status_code == 404
    html = response.content.decode()
    assert len(re.findall(r"<h1[ >]", html)) == 1
    assert "Seite nicht gefunden" in html  # German first
    assert 'href="/"' in html
    assert f'action="{reverse("search")}"' in html
    assert 'class="skip-link"' in html
    assert 'id="main"' in html


def test_the_500_page_speaks_the_visitor_s_language():
    with translation.override("en"):
        html = loader.get_template("500.html").render()
    assert '<html lang="en">' in html
    assert "Server error" in html


def test_the_500_page_needs_no_context_and_no_database(django_assert_num_queries):
    with translation.override("de"), django_assert_num_queries(0):
        html = loader.get_template("500.html").render()
    assert '<html lang="de">' in html
    assert 'class="skip-link" href="#main"' in html
    assert '<main id="main"' in html
    assert "css/site.css" in html
    assert len(re.findall(r"<h1[ >]", html)) == 1
    assert 'href="/"' in html and reverse("search") in html


def test_django_s_server_error_view_uses_it(django_assert_num_queries):
    request = RequestFactory().get("/kaputt/")
    with translation.override("de"), django_assert_num_queries(0):
        response = server_error(request)
    assert response.status_code == 500
    assert "Serverfehler" in response.content.decode()
