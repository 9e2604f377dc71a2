"""The static files a deployment collects: everything a page links, and nothing the product never serves."""

import re
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.contrib.staticfiles import finders

ROOT = Path(__file__).resolve().parent.parent
STATIC_TAG = re.compile(r"""\{% static ['"]([^'"]+)['"]""")


def collected() -> set[str]:
    """The paths collectstatic would copy (what the configured finders list, with its default ignores)."""
    ignored = apps.get_app_config("staticfiles").ignore_patterns
    return {path for finder in finders.get_finders() for path, _storage in finder.list(ignored)}


def test_viewflow_front_end_is_not_collected():
    paths = collected()
    assert not [path for path in paths if path.startswith("viewflow/")]
    # what the product and its admin do serve is still there
    assert {"css/site.css", "metrics/dashboard.css", "admin/css/base.css", "rest_framework/css/default.css"} <= paths
    assert any(path.startswith("drf_spectacular_sidecar/swagger-ui-dist/") for path in paths)


def test_every_static_file_the_product_templates_name_is_found():
    named = {match for template in ROOT.glob("*/templates/**/*.html")
             for match in STATIC_TAG.findall(template.read_text(encoding="utf-8"))}
    assert {"css/site.css", "metrics/dashboard.css", "js/uploads.js"} <= named  # the scan sees the templates
    assert not [path for path in named if finders.find(path) is None]


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/", "/accounts/login/", "/verify/", "/admin/login/", "/api/docs/"])
def test_every_static_file_a_page_links_is_found(client, url):
    response = client.get(url, follow=True)
    assert response.status_code == 200
    prefix = "/" + settings.STATIC_URL.lstrip("/")
    linked = set(re.findall(re.escape(prefix) + r"""([^"'?#\s)]+)""", response.content.decode()))
    assert linked  # each of these pages links some
    assert not [path for path in linked if finders.find(path) is None]
