"""A certificate number is found however it is typed: full-width digits, spaces, dashes — on the
lookup form, in the verify URL and through the public API."""

import pytest
from django.urls import reverse

from documents.selectors import normalise_certificate_number

pytestmark = pytest.mark.django_db


def spaced_full_width(number: str) -> str:
    full = "".join(chr(ord(c) + 0xFEE0) for c in number)  # ０-９
    return f"{full[:2]} {full[2:4]}　{full[4:8]}-{full[8:]}"


@pytest.mark.parametrize(("typed", "expected"), [
    ("262420000001", "262420000001"), (" 2624 2000 0001 ", "262420000001"), ("2624-2000-0001", "262420000001"),
    ("２６２４２００００００１", "262420000001"), ("２６ ２４　２０００－０００１", "262420000001"), ("12ab", "12ab"),
])
def test_normalisation(typed, expected):
    assert normalise_certificate_number(typed) == expected


def test_the_lookup_form_accepts_a_number_typed_with_spaces_and_full_width_digits(client, certified):
    number = certified.certificate.number
    response = client.get(reverse("documents:verify-lookup"), {"number": spaced_full_width(number)})
    assert response.status_code == 302 and response.url == reverse("documents:verify", args=[number])
    bad = client.get(reverse("documents:verify-lookup"), {"number": "2624 2000 01"})
    assert bad.status_code == 200 and "证书编号为12位数字" in bad.content.decode()


def test_a_verify_url_with_spaces_redirects_to_the_canonical_one(client, certified):
    number = certified.certificate.number
    response = client.get(f"/verify/{number[:4]}%20{number[4:]}/")
    assert response.status_code == 302 and response.url == reverse("documents:verify", args=[number])
    assert client.get(response.url).status_code == 200


def test_the_public_api_normalises_the_number(api, certified):
    number = certified.certificate.number
    response = api.get(f"/api/v1/public/certificates/{spaced_full_width(number)}/")
    assert response.status_code == 200 and response.json()["number"] == number


def test_the_home_page_links_the_certificate_check(client):
    page = client.get("/").content.decode()
    assert f'href="{reverse("documents:verify-lookup")}" data-action="verify"' in page


def test_the_verdict_is_english_in_english(client, certified):
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    page = client.get(reverse("documents:verify", args=[certified.certificate.number])).content.decode()
    assert "Signature valid" in page and "数字签名有效" not in page
