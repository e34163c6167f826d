"""List pages cost a fixed number of queries however much they list."""

from datetime import date

import pytest

from cms.models import NewsPage
from tests.cms.conftest import add_consultation_page, add_page, make_image
from tests.factories import make_consultation, make_district, make_topic, make_user

pytestmark = pytest.mark.django_db


def _fill(consultation_index, news_index, start, count):
    image = make_image()
    for n in range(start, start + count):
        add_consultation_page(
            consultation_index,
            make_consultation(
                title=f"Beteiligung {n}", topic=make_topic(f"T{n}"), district=make_district(f"D{n}")
            ),
        )
        add_page(
            news_index,
            NewsPage(
                title=f"News {n}",
                slug=f"news-{n}",
                date=date(2026, 1, 1 + n),
                intro="x",
                image=image,
                image_alt="Bild",
            ),
        )


@pytest.mark.parametrize("path_of", ["home", "news_index"])
def test_list_pages_do_not_grow_with_their_content(
    client, home, consultation_index, news_index, django_assert_max_num_queries, path_of
):
    url = {"home": home, "news_index": news_index}[path_of].url
    client.force_login(make_user())  # bypass the page cache
    _fill(consultation_index, news_index, 0, 2)
    client.get(url)  # renditions are created on first view
    with django_assert_max_num_queries(40) as baseline:
        client.get(url)
    baseline_count = len(baseline.captured_queries)  # read now: the next request resets the log
    assert baseline_count > 0
    _fill(consultation_index, news_index, 2, 8)
    client.get(url)
    with django_assert_max_num_queries(baseline_count):
        response = client.get(url)
    assert response.status_code == 200
