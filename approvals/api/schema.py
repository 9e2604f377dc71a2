"""The OpenAPI schema tells the truth about errors: every operation documents the error answers the
error contract (``errors.py``) can give it, so a client — or a fuzzer — meets no undocumented status.

- 400 everywhere: a malformed body or query, or input refused before any view (a NUL byte);
- 401 and 403 where the operation needs a signed-in caller;
- 404 everywhere: an object outside the caller's scope, or an id that is no id;
- 409 on writes: the task is taken or done, or the transition is not allowed now;
- 414 everywhere: the request line is longer than the web server accepts (gunicorn's 4,094 bytes), refused
  before the application sees it — an HTML page, not the JSON error body;
- 429 everywhere: throttled (the token endpoint, the public lookup, login lockout).
"""

from drf_spectacular.openapi import AutoSchema
from rest_framework.permissions import AllowAny

ERROR = {
    "type": "object",
    "description": "``detail`` for 401/403/404/409/429; field name → messages for a 400.",
    "properties": {"detail": {"type": "string"}},
    "additionalProperties": True,
}
DESCRIPTIONS = {
    400: "Bad request: invalid input (field name → messages) or a refused value",
    401: "Not signed in, or the token is unknown, expired or revoked",
    403: "The caller's role may not do this",
    404: "Not found, or not visible to the caller",
    409: "Conflict: the task is taken or done, or the action is not allowed in the current status",
    414: "URI too long: the request line exceeds the web server's limit; refused before the application",
    429: "Too many requests: throttled or locked out; see Retry-After",
}
UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}


class ProductAutoSchema(AutoSchema):
    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        for code in self._error_codes():
            responses.setdefault(str(code), {
                "description": DESCRIPTIONS[code], "content": {"application/json": {"schema": ERROR}},
            })
        responses.setdefault("414", {"description": DESCRIPTIONS[414]})  # the server's own page, not ours
        return responses

    def _error_codes(self) -> list[int]:
        public = any(permission is AllowAny for permission in getattr(self.view, "permission_classes", []))
        codes = [400, 404, 429]
        if not public:
            codes += [401, 403]
        if self.method.upper() in UNSAFE:
            codes.append(409)
        return sorted(codes)
