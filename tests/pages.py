"""Helpers for page tests: signed-in clients and formset POST data."""

from django.test import Client

from tests.factories import DEFAULT_PASSWORD


def client_for(user) -> Client:
    client = Client()
    assert client.login(username=user.username, password=DEFAULT_PASSWORD)
    return client


def formset_data(prefix: str, rows: list[dict], *, initial: int = 0) -> dict:
    """POST data of a formset: its management form and one entry per row (``DELETE`` allowed)."""
    data = {f"{prefix}-TOTAL_FORMS": str(len(rows)), f"{prefix}-INITIAL_FORMS": str(initial),
            f"{prefix}-MIN_NUM_FORMS": "0", f"{prefix}-MAX_NUM_FORMS": "1000"}
    for index, row in enumerate(rows):
        for name, value in row.items():
            if value is True:
                value = "on"
            if value is False:
                continue
            data[f"{prefix}-{index}-{name}"] = value
    return data


def text(response) -> str:
    return response.content.decode()
