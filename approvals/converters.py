"""Path converter for database ids: ``<id:pk>``.

Django's ``<int:…>`` matches any number of digits, so a 40-digit "id" reaches the database, which
cannot hold it. An id here has at most 18 digits (below PostgreSQL's bigint maximum, 9.2 × 10¹⁸):
anything longer does not match, and the visitor gets the usual 404.
"""


class DatabaseIdConverter:
    regex = "[0-9]{1,18}"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value) -> str:
        return str(int(value))
