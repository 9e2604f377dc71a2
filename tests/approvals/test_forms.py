"""Forms that ask what people know: field and industry by name from the reference table, standard
numbers checked for shape, the credit code's messages, every error at its field and summarised once."""

import pytest
from django.urls import reverse

from approvals.models import Application, NumberCode
from tests.factories import ApplicationFactory, make_credit_code
from tests.pages import client_for, text

from .test_pages import SCOPE_ROW, draft_data, sign_up_data

pytestmark = pytest.mark.django_db


def summary_of(page: str) -> str:
    start = page.index("data-error-summary")
    return page[start:page.index("</div>", start)]


def test_the_migration_seeds_named_codes_and_flags_the_unconfirmed_ones():
    fields = dict(NumberCode.objects.filter(kind="field").values_list("code", "name"))
    assert fields["00"] == "食品" and fields["20"] == "综合" and fields["21"] == "其他"
    assert set(NumberCode.objects.filter(confirmed=True).values_list("kind", "code")) == {
        ("field", "00"), ("field", "20"), ("field", "21")}
    assert NumberCode.objects.filter(kind="industry", code="00").exists()


def test_the_form_offers_names_and_defaults_to_comprehensive(applicant):
    page = text(client_for(applicant).get(reverse("approvals:application_create")))
    assert '<option value="20" selected>综合（20）</option>' in page
    assert '<option value="00">食品（00）</option>' in page and "data-searchable" in page
    assert "领域代码" not in page


def test_a_retired_code_leaves_the_select_but_an_unknown_code_is_refused_at_the_field(applicant):
    NumberCode.objects.filter(kind="field", code="21").update(active=False)
    client = client_for(applicant)
    assert '<option value="21"' not in text(client.get(reverse("approvals:application_create")))
    response = client.post(reverse("approvals:application_create"), draft_data([SCOPE_ROW], field_code="21"))
    assert response.status_code == 400 and not Application.objects.exists()
    page = text(response)
    assert "请从列表中选择" in summary_of(page) and 'href="#id_field_code"' in summary_of(page)


def test_an_admin_renamed_code_shows_its_new_name(applicant):
    NumberCode.objects.filter(kind="industry", code="00").update(name="市场监管部门")
    page = text(client_for(applicant).get(reverse("approvals:application_create")))
    assert "市场监管部门（00）" in page


def test_a_standard_without_a_number_is_refused_on_its_row_and_in_the_summary(applicant):
    rows = [SCOPE_ROW, {**SCOPE_ROW, "parameter": "过氧化值", "standard": "食用油过氧化值测定方法"}]
    response = client_for(applicant).post(reverse("approvals:application_create"), draft_data(rows))
    assert response.status_code == 400 and not Application.objects.exists()
    page = text(response)
    summary = summary_of(page)
    assert "第2行" in summary and "标准编号" in summary and 'href="#id_scope-1-standard"' in summary
    assert 'value="食用油过氧化值测定方法"' in page  # nothing typed is lost
    assert page.count("请写明标准编号") == 2  # once at the row, once in the summary: no more


@pytest.mark.parametrize("standard", ["GB 5009.229-2016", "GB/T 5750.4-2023", "食品安全国家标准 GB 4789.2-2022",
                                      "ISO 6579-1:2017", "DB52/T 1234-2018", "T/CAS 123-2020"])
def test_standard_numbers_of_every_usual_shape_pass(applicant, standard):
    response = client_for(applicant).post(reverse("approvals:application_create"),
                                          draft_data([{**SCOPE_ROW, "standard": standard}]))
    assert response.status_code == 302


def test_the_summary_shows_names_not_codes(applicant):
    application = ApplicationFactory(agency=applicant.agency, created_by=applicant, field_code="00", industry_code="00")
    page = text(client_for(applicant).get(reverse("workflows:application_detail", args=[application.pk])))
    summary = page[page.index('data-section="summary"'):]
    assert "食品（00）" in summary and "无行业主管部门（市场监管部门）（00）" in summary


def test_sign_up_errors_are_summarised_once_with_links_and_the_credit_code_carries_its_messages(client):
    bad_code = make_credit_code(901)[:17] + ("0" if make_credit_code(901)[17] != "0" else "1")
    response = client.post(reverse("approvals:sign_up"), sign_up_data(credit_code=bad_code, password2="other"))
    page = text(response)
    summary = summary_of(page)
    assert response.status_code == 400
    assert 'href="#id_credit_code"' in summary and "校验位不正确" in summary and 'href="#id_password2"' in summary
    assert page.count("统一社会信用代码校验位不正确") == 2
    form_page = text(client.get(reverse("approvals:sign_up")))
    assert "data-credit-code" in form_page and 'data-msg-check="校验位不正确，请核对营业执照上的代码。"' in form_page
