"""The Content-Security-Policy middleware (project.middleware.ContentSecurityPolicyMiddleware) builds the
usual policy once, yet writes what django-csp's own middleware writes for every kind of response: the
usual one, one a view changed or exempted, one with a nonce, report-only and excluded paths, and after
the settings change."""

import pytest
from csp.constants import NONCE, SELF
from csp.exceptions import CSPNonceError
from csp.middleware import CSPMiddleware
from django.http import HttpResponse
from django.test import RequestFactory

from project.middleware import ContentSecurityPolicyMiddleware

HEADERS = ("Content-Security-Policy", "Content-Security-Policy-Report-Only")


def respond(middleware_class, path="/", change=None, status=200, nonce=False, header=None):
    """The CSP headers the middleware gives one response (``change``: attributes a view's decorator sets)."""
    request = RequestFactory().get(path)
    response = HttpResponse(status=status)
    middleware = middleware_class(lambda request: response)
    middleware.process_request(request)
    if nonce:
        str(request.csp_nonce)
        request._csp_nonce = "fixed-nonce"  # the same in both runs
    for name, value in (change or {}).items():
        setattr(response, name, value)
    if header:
        response["Content-Security-Policy"] = header
    middleware.process_response(request, response)
    return {name: response.get(name) for name in HEADERS}, request


CASES = {
    "usual": {},
    "updated": {"change": {"_csp_update": {"style-src": ["'unsafe-inline'"]}}},
    "replaced": {"change": {"_csp_replace": {"img-src": ["'self'"]}}},
    "own config": {"change": {"_csp_config": {"default-src": ["'none'"]}}},
    "exempt": {"change": {"_csp_exempt": True}},
    "already set": {"header": "default-src 'none'; sandbox"},
    "with a nonce": {"nonce": True},
    "excluded": {"path": "/skip/me/"},
    "not found": {"status": 404},
}


@pytest.mark.parametrize("case", sorted(CASES))
@pytest.mark.parametrize("debug", [False, True])
def test_each_response_gets_what_django_csp_gives_it(case, debug, settings):
    settings.DEBUG = debug
    settings.CONTENT_SECURITY_POLICY = {"EXCLUDE_URL_PREFIXES": ["/skip/"],
                                        "DIRECTIVES": {**settings.CONTENT_SECURITY_POLICY["DIRECTIVES"],
                                                       "script-src": [SELF, NONCE]}}
    settings.CONTENT_SECURITY_POLICY_REPORT_ONLY = {"DIRECTIVES": {"default-src": [SELF], "report-uri": "/csp/"}}
    ours, _request = respond(ContentSecurityPolicyMiddleware, **CASES[case])
    theirs, _request = respond(CSPMiddleware, **CASES[case])
    assert ours == theirs
    if case == "usual":
        assert ours[HEADERS[0]] and "'nonce-" not in ours[HEADERS[0]] and ours[HEADERS[1]]
    if case == "with a nonce":
        assert "'nonce-fixed-nonce'" in ours[HEADERS[0]]
    if case == "excluded":
        assert ours[HEADERS[0]] is None and ours[HEADERS[1]]  # the report-only policy excludes nothing


def test_the_policy_follows_the_settings_and_a_late_nonce_is_refused(settings):
    middleware = ContentSecurityPolicyMiddleware(lambda request: HttpResponse())
    for script in (["'self'"], ["'self'", "https://cdn.example"], ["'self'"]):
        settings.CONTENT_SECURITY_POLICY = {"DIRECTIVES": {"default-src": ["'self'"], "script-src": script}}
        request = RequestFactory().get("/")
        middleware.process_request(request)
        response = middleware.process_response(request, HttpResponse())
        assert f"script-src {' '.join(script)}" in response["Content-Security-Policy"]
        with pytest.raises(CSPNonceError):  # written already: a nonce asked for now would not be in it
            str(request.csp_nonce)
    settings.CONTENT_SECURITY_POLICY = None
    request = RequestFactory().get("/")
    middleware.process_request(request)
    assert "Content-Security-Policy" not in middleware.process_response(request, HttpResponse())
