"""The product's WSGI application plus one bare Django page (``/bench/bare/``) for bench/http.py.

The bare page is a view that returns "ok" through the same middleware stack, on the same server and
workers: the baseline the product's pages are compared with.
"""

from django.core.wsgi import get_wsgi_application
from django.http import HttpResponse
from django.urls import clear_url_caches, path
from django.views.decorators.http import require_GET

application = get_wsgi_application()


@require_GET
def bare(request):
    return HttpResponse("ok", content_type="text/plain")


from project import urls  # noqa: E402  (after set-up: the URL map imports every app's views)

urls.urlpatterns.insert(0, path("bench/bare/", bare))
clear_url_caches()
