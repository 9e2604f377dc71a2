import logging

from csp.constants import HEADER, HEADER_REPORT_ONLY
from csp.middleware import CheckableLazyObject, CSPMiddleware
from csp.utils import build_policy
from django.conf import settings
from django.db import DataError
from django.http import HttpResponse, HttpResponseBadRequest, JsonResponse
from django.middleware.locale import LocaleMiddleware
from django.shortcuts import render
from django.template import TemplateDoesNotExist
from django.utils import translation
from django.utils.translation import gettext_lazy as _

logger = logging.getLogger(__name__)


class ChineseFirstLocaleMiddleware(LocaleMiddleware):
    """Pages are Chinese unless the user picked English with the language switch (a cookie).

    A browser's Accept-Language does not decide the language of a Chinese government service; API
    clients, which have no switch, may still ask for English with Accept-Language.
    """

    def process_request(self, request):
        if request.path.startswith("/api/"):
            return super().process_request(request)
        language = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        if language not in dict(settings.LANGUAGES):
            language = settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()


class BadInputMiddleware:
    """Input the database cannot hold gets a 400, never a 500.

    PostgreSQL refuses a NUL byte in any text value, and an integer past its range fails the query; a
    user (or an anonymous visitor) who typed one did something wrong, the server did not. NUL bytes in
    the path, the query and url-encoded or JSON bodies are refused before any view runs (multipart
    bodies are read by the views, which set their upload limits first; their text fields go through
    form fields that refuse NUL). Whatever still reaches the database and is refused there as a bad
    value (out of range, NUL, not a number) becomes a 400 too — after the request's transaction has
    rolled back.
    """

    NUL_MESSAGE = _("请求中含有不允许的空字符（NUL）。")
    VALUE_MESSAGE = _("请求中的数值超出允许范围或格式无效。")
    # numeric_value_out_of_range, character_not_in_repertoire, invalid_text_representation
    BAD_VALUE_SQLSTATES = {"22003", "22021", "22P02"}

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if self._has_nul(request):
            return self._refuse(request, self.NUL_MESSAGE)
        return self.get_response(request)

    def process_exception(self, request, exception):
        if self._is_bad_value(exception):
            logger.info("bad input refused on %s: %s", request.path, exception)
            return self._refuse(request, self.VALUE_MESSAGE)
        return None

    @staticmethod
    def _has_nul(request) -> bool:
        if "\x00" in request.path or "\x00" in request.META.get("QUERY_STRING", ""):
            return True
        if any("\x00" in key or any("\x00" in value for value in values) for key, values in request.GET.lists()):
            return True
        content_type = request.META.get("CONTENT_TYPE", "")
        if request.method in {"POST", "PUT", "PATCH"}:
            if content_type.startswith("application/x-www-form-urlencoded"):
                return any("\x00" in key or any("\x00" in v for v in values) for key, values in request.POST.lists())
            if content_type.startswith("application/json"):
                return b"\\u0000" in request.body or b"\x00" in request.body
        return False

    @classmethod
    def _is_bad_value(cls, exception) -> bool:
        if isinstance(exception, OverflowError):
            return True
        if isinstance(exception, DataError):
            cause = exception.__cause__
            return "NUL (0x00)" in str(exception) or getattr(cause, "sqlstate", None) in cls.BAD_VALUE_SQLSTATES
        return False

    @staticmethod
    def _refuse(request, message) -> HttpResponse:
        if request.path.startswith("/api/"):
            return JsonResponse({"detail": str(message)}, status=400)
        try:
            return render(request, "400.html", {"message": message}, status=400)
        except TemplateDoesNotExist:
            return HttpResponseBadRequest(message, content_type="text/plain; charset=utf-8")


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    """django-csp's middleware, except that the policy of a response no view changed (no
    ``@csp_update`` and the like, no exemption, no nonce asked for) is built once for the settings in
    force, not on every response: building it was a twentieth of a small page's time. Any other
    response goes through django-csp's own code."""

    PER_RESPONSE = ("_csp_config", "_csp_update", "_csp_replace", "_csp_exempt",
                    "_csp_config_ro", "_csp_update_ro", "_csp_replace_ro", "_csp_exempt_ro")

    def __init__(self, get_response):
        super().__init__(get_response)
        unset = object()
        self._built: tuple = ((unset, unset), ())  # the two settings, and the policies built from them

    def _policies(self) -> tuple:
        """Each header's policy and the path prefixes it skips (django-csp's EXCLUDE_URL_PREFIXES), built
        again when a setting is replaced (as the tests' settings overrides do)."""
        configured = (getattr(settings, "CONTENT_SECURITY_POLICY", None),
                      getattr(settings, "CONTENT_SECURITY_POLICY_REPORT_ONLY", None))
        built_for, policies = self._built
        if built_for[0] is not configured[0] or built_for[1] is not configured[1]:
            policies = tuple(
                (build_policy(report_only=report_only), tuple((config or {}).get("EXCLUDE_URL_PREFIXES", None) or ()))
                for report_only, config in ((False, configured[0]), (True, configured[1])))
            self._built = (configured, policies)
        return policies

    def process_response(self, request, response):
        if (getattr(request, "_csp_nonce", None) is not None or any(hasattr(response, name) for name in self.PER_RESPONSE)
                or (settings.DEBUG and response.status_code in (500, 404))):
            return super().process_response(request, response)
        for header, (policy, excluded) in zip((HEADER, HEADER_REPORT_ONLY), self._policies(), strict=True):
            if policy and header not in response and not request.path_info.startswith(excluded):
                response[header] = policy
        request.csp_nonce = CheckableLazyObject(self._csp_nonce_post_response)
        return response
