"""The applicant portal's own pages: sign-up, agency registration, the list and the draft editor."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from approvals.models import Agency, Application, ApplicationStatus, RuleSet, ScopeItem, User
from prepared import readable
from tests.factories import ApplicationFactory, UserFactory, make_credit_code
from tests.pages import client_for, formset_data, text

pytestmark = pytest.mark.django_db

SCOPE_ROW = {"category": "食品", "item": "食用植物油", "parameter": "酸价", "standard": "GB 5009.229-2016", "limitation": ""}


def draft_data(rows, *, initial=0, **fields):
    data = {"application_type": "initial", "test_sites": "贵阳市观山湖区长岭北路1号", "field_code": "20",
            "industry_code": "00", "authorised_signatories": "王五 技术负责人 食品", "declaration": "on"}
    data.update(fields)
    data.update(formset_data("scope", rows, initial=initial))
    return data


def sign_up_data(**overrides):
    data = {
        "name": "贵州新检检验检测有限公司", "credit_code": make_credit_code(900).lower(), "address": "贵阳市南明区1号",
        "legal_representative": "周一", "contact_name": "吴二", "contact_phone": "0851-88888888",
        "contact_email": "lab@example.com", "username": "newlab", "full_name": "吴二", "email": "wu@example.com",
        "password1": "Qualified-Lab-2026", "password2": "Qualified-Lab-2026",
    }
    data.update(overrides)
    return data


# --- home and sign-in ------------------------------------------------------------------------------
def test_home_sends_each_role_to_its_work(applicant, acceptor, reviewer, monitor):
    assert client_for(applicant).get("/").url == reverse("approvals:application_list")
    assert client_for(acceptor).get("/").url == reverse("workflows:inbox")
    assert client_for(reviewer).get("/").url == reverse("workflows:inbox")
    page = client_for(monitor).get("/")
    assert page.status_code == 200 and f'href="{reverse("metrics:dashboard")}"' in text(page)
    assert "政务服务中心" in text(page) and reverse("workflows:inbox") not in text(page)
    newcomer = UserFactory(username="newcomer")
    assert client_for(newcomer).get("/").url == reverse("approvals:agency_register")


def test_anonymous_home_offers_login_and_sign_up_and_pages_require_login():
    page = Client().get("/")
    assert reverse("login") in text(page) and reverse("approvals:sign_up") in text(page)
    response = Client().get(reverse("approvals:application_list"))
    assert response.status_code == 302 and response.url.startswith(reverse("login"))


def test_login_and_logout(applicant):
    client = Client()
    bad = client.post(reverse("login"), {"username": "applicant", "password": "wrong"})
    assert bad.status_code == 200 and "用户名或密码不正确" in text(bad)
    good = client.post(reverse("login"), {"username": "applicant", "password": "test-pass-2026"})
    assert good.status_code == 302
    page = client.get(reverse("approvals:application_list"))
    assert applicant.agency.name in text(page) and "退出登录" in text(page)
    assert client.get(reverse("logout")).status_code == 405  # logging out is a POST, never a link
    client.post(reverse("logout"))
    assert client.get(reverse("approvals:application_list")).status_code == 302


def test_navigation_follows_the_role(applicant, acceptor):
    applicant_nav = text(client_for(applicant).get(reverse("approvals:application_list")))
    assert reverse("approvals:application_create") in applicant_nav and reverse("workflows:claimable") not in applicant_nav
    official_nav = text(client_for(acceptor).get(reverse("workflows:inbox")))
    assert reverse("workflows:claimable") in official_nav and reverse("approvals:application_create") not in official_nav


def test_language_switch_to_english(applicant):
    client = client_for(applicant)
    client.post(reverse("set_language"), {"language": "en", "next": reverse("approvals:application_list")})
    page = text(client.get(reverse("approvals:application_list")))
    assert "My applications" in page and "New application" in page and "我的申请" not in page
    client.post(reverse("set_language"), {"language": "zh-hans"})
    assert "我的申请" in text(client.get(reverse("approvals:application_list")))


# --- sign-up and agency registration ------------------------------------------------------------
def test_sign_up_creates_the_account_and_the_agency_and_signs_in():
    client = Client()
    response = client.post(reverse("approvals:sign_up"), sign_up_data())
    assert response.status_code == 302 and response.url == reverse("approvals:application_list")
    user = User.objects.get(username="newlab")
    assert user.agency.credit_code == make_credit_code(900)  # normalised to upper case
    assert user.groups.filter(name="applicant").exists() and user.first_name == "吴二"
    assert "贵州新检检验检测有限公司" in text(client.get(response.url))


def test_sign_up_with_a_wrong_check_digit_creates_nothing_and_keeps_the_input():
    code = make_credit_code(901)
    wrong = code[:17] + ("0" if code[17] != "0" else "1")
    response = Client().post(reverse("approvals:sign_up"), sign_up_data(credit_code=wrong))
    assert response.status_code == 400
    page = text(response)
    assert "统一社会信用代码校验位不正确" in page
    assert 'value="newlab"' in page and 'value="贵州新检检验检测有限公司"' in page
    assert not User.objects.filter(username="newlab").exists() and not Agency.objects.filter(credit_code=wrong).exists()


def test_sign_up_refuses_an_agency_already_registered(agency):
    response = Client().post(reverse("approvals:sign_up"), sign_up_data(credit_code=agency.credit_code))
    assert response.status_code == 400 and "该统一社会信用代码已登记" in text(response)
    assert not User.objects.filter(username="newlab").exists()


def test_a_signed_in_person_without_agency_registers_one():
    person = UserFactory(username="person")
    client = client_for(person)
    assert client.get(reverse("approvals:application_create")).url == reverse("approvals:agency_register")
    data = {k: v for k, v in sign_up_data(credit_code=make_credit_code(902)).items() if k in (
        "name", "credit_code", "address", "legal_representative", "contact_name", "contact_phone", "contact_email")}
    response = client.post(reverse("approvals:agency_register"), data)
    assert response.status_code == 302
    person.refresh_from_db()
    assert person.agency.credit_code == make_credit_code(902)


def test_officials_may_not_register_an_agency(acceptor):
    client = client_for(acceptor)
    assert client.get(reverse("approvals:agency_register")).status_code == 403
    assert client.get(reverse("approvals:application_list")).status_code == 403
    assert client.get(reverse("approvals:application_create")).status_code == 403


# --- the list ------------------------------------------------------------------------------------
def test_list_shows_only_the_agency_own_applications(applicant, applicant2, draft):
    other = ApplicationFactory(agency=applicant2.agency, created_by=applicant2)
    mine = text(client_for(applicant).get(reverse("approvals:application_list")))
    assert draft.reference in mine and other.reference not in mine
    theirs = text(client_for(applicant2).get(reverse("approvals:application_list")))
    assert other.reference in theirs and draft.reference not in theirs


def test_list_pages_by_keyset_with_a_fixed_number_of_queries(applicant, django_assert_num_queries):
    client = client_for(applicant)
    ApplicationFactory(agency=applicant.agency, created_by=applicant, scope=0)
    client.get(reverse("approvals:application_list"))  # the permission set is cached from here on
    # session, user (with the agency the header names), the page, the active steps of the page's
    # applications (their progress bars): no request transaction (the page only reads); the
    # navigation's permissions come from the cache
    with django_assert_num_queries(4):
        client.get(reverse("approvals:application_list"))
    for _ in range(24):
        ApplicationFactory(agency=applicant.agency, created_by=applicant, scope=0)
    client.get(reverse("approvals:application_list"))
    with django_assert_num_queries(4):
        first = client.get(reverse("approvals:application_list"))
    assert first.context["page"].has_next and len(first.context["page"]) == 20
    second = client.get(reverse("approvals:application_list"), {"after": first.context["page"].next_cursor})
    seen = {a.pk for a in first.context["page"]} | {a.pk for a in second.context["page"]}
    assert len(second.context["page"]) == 5 and len(seen) == 25 and not second.context["page"].has_next
    back = client.get(reverse("approvals:application_list"), {"before": second.context["page"].previous_cursor})
    assert [a.pk for a in back.context["page"]] == [a.pk for a in first.context["page"]]


# --- drafts ----------------------------------------------------------------------------------------
def test_create_a_draft_with_two_scope_rows_ignoring_blank_and_deleted_rows(applicant):
    rows = [SCOPE_ROW, {**SCOPE_ROW, "parameter": "过氧化值", "standard": "GB 5009.227-2016"},
            {**SCOPE_ROW, "parameter": "删掉的", "DELETE": True}, {k: "" for k in SCOPE_ROW}]
    response = client_for(applicant).post(reverse("approvals:application_create"), draft_data(rows))
    assert response.status_code == 302
    application = Application.objects.get(agency=applicant.agency)
    assert response.url == reverse("workflows:application_detail", args=[application.pk])
    assert application.status == ApplicationStatus.DRAFT and application.created_by == applicant
    assert list(application.scope_items.values_list("seq", "parameter")) == [(1, "酸价"), (2, "过氧化值")]


def test_a_bad_scope_row_saves_nothing_and_keeps_what_was_typed(applicant):
    rows = [SCOPE_ROW, {**SCOPE_ROW, "parameter": "过氧化值", "standard": ""}]
    response = client_for(applicant).post(reverse("approvals:application_create"),
                                          draft_data(rows, test_sites="保留的场所地址"))
    assert response.status_code == 400
    page = text(response)
    assert "该字段是必填项" in page and 'value="过氧化值"' in page and "保留的场所地址" in page
    assert not Application.objects.exists() and not ScopeItem.objects.exists()


def test_edit_a_draft_replaces_its_scope(applicant, draft):
    client = client_for(applicant)
    page = client.get(reverse("approvals:application_edit", args=[draft.pk]))
    assert 'value="食品检测项目2"' in text(page)
    rows = [
        {**SCOPE_ROW, "item": "食品检测项目1"},
        {**SCOPE_ROW, "item": "食品检测项目2", "DELETE": True},
        {**SCOPE_ROW, "item": "食品检测项目3"},
        {**SCOPE_ROW, "item": "新增项目"},
    ]
    response = client.post(reverse("approvals:application_edit", args=[draft.pk]),
                           draft_data(rows, initial=3, declaration=""))
    assert response.status_code == 302
    draft.refresh_from_db()
    assert list(draft.scope_items.values_list("item", flat=True)) == ["食品检测项目1", "食品检测项目3", "新增项目"]
    assert draft.declaration is False


def test_a_submitted_application_can_no_longer_be_edited(applicant, draft):
    from workflows.services import application_submit

    application_submit(application=draft, by=applicant)
    client = client_for(applicant)
    response = client.get(reverse("approvals:application_edit", args=[draft.pk]))
    assert response.url == reverse("workflows:application_detail", args=[draft.pk])
    response = client.post(reverse("approvals:application_edit", args=[draft.pk]), draft_data([SCOPE_ROW]))
    assert response.status_code == 409 and "只有草稿可以修改" in text(response)
    assert draft.scope_items.count() == 3


def test_another_agency_can_neither_see_nor_edit_a_draft(applicant2, draft):
    client = client_for(applicant2)
    assert client.get(reverse("approvals:application_edit", args=[draft.pk])).status_code == 404
    response = client.post(reverse("approvals:application_edit", args=[draft.pk]), draft_data([SCOPE_ROW], test_sites="篡改"))
    assert response.status_code == 404
    draft.refresh_from_db()
    assert draft.test_sites != "篡改" and draft.scope_items.count() == 3


def test_officials_neither_see_nor_edit_an_unsubmitted_draft(acceptor, draft):
    client = client_for(acceptor)
    assert client.get(reverse("approvals:application_edit", args=[draft.pk])).status_code == 404
    response = client.post(reverse("approvals:application_edit", args=[draft.pk]), draft_data([SCOPE_ROW]))
    assert response.status_code == 404
    assert draft.scope_items.count() == 3


def test_the_list_rows_read_no_more_and_write_their_labels_as_the_template_did(applicant, acceptor):
    """The list's rows show what the first page reads (no column it left unread is read again, the change's
    path included) and their labels as {% translate %} wrote them, in both languages."""
    from django.template import Context, Template
    from django.utils import translation

    from approvals.views import ROW_LABELS

    # the labels as the list's template translated them
    TEMPLATE_LABELS = {"label_reference": "申请编号", "label_type": "申请类型", "label_status": "状态",  # noqa: N806
                       "label_progress": "办理进度", "label_created": "创建时间", "label_submitted": "提交时间",
                       "go_edit": "继续填写", "go_answer": "去答复", "go_view": "查看进度"}
    assert set(ROW_LABELS) == set(TEMPLATE_LABELS)
    draft = ApplicationFactory(agency=applicant.agency, created_by=applicant)
    asked = ApplicationFactory(agency=applicant.agency, created_by=applicant)
    Application.objects.filter(pk=asked.pk).update(status=ApplicationStatus.SUPPLEMENT_REQUESTED,
                                                   submitted_at=timezone.now())
    change = ApplicationFactory(agency=applicant.agency, created_by=applicant, application_type="change", scope=0)
    Application.objects.filter(pk=change.pk).update(status=ApplicationStatus.SUBMITTED, submitted_at=timezone.now(),
                                                    changes=[{"kind": "address", "value": "新址"}],
                                                    rule_set=RuleSet.objects.order_by("effective_from").last())
    client = client_for(applicant)
    client.get(reverse("approvals:application_list"))  # the permission set is cached from here on
    for language in ("zh-hans", "en"):
        client.cookies["django_language"] = language
        with CaptureQueriesContext(connection) as captured:
            page = client.get(reverse("approvals:application_list")).content.decode()
        # the page read once (a change's rule set is read apart, for its path): no column is read again
        reads = [readable(q["sql"]) for q in captured.captured_queries]
        assert len([sql for sql in reads if 'FROM "approvals_application"' in sql]) == 1
        assert len(reads) == 5 and len([sql for sql in reads if 'FROM "approvals_ruleset"' in sql]) == 1
        with translation.override(language):
            labels = {name: Template(f'{{% load i18n %}}{{% translate "{text}" %}}').render(Context())
                      for name, text in TEMPLATE_LABELS.items()}
        assert f'href="/applications/{draft.pk}/edit/">{labels["go_edit"]}</a>' in page
        assert f'href="/applications/{asked.pk}/answer/">{labels["go_answer"]}</a>' in page
        assert f'href="/applications/{change.pk}/">{labels["go_view"]}</a>' in page
        for name in TEMPLATE_LABELS:
            if name.startswith("label_"):
                assert page.count(f'data-label="{labels[name]}"') == 3
        assert ("Continue" in labels["go_edit"]) == (language == "en")
