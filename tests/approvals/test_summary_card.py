"""The application and task pages' 基本信息 card is written by a tag (approvals_pages.summary_card): it must
be what its template wrote, byte for byte, in both languages, for every kind of value a card shows."""

# ruff: noqa: E501  (the template below is kept verbatim)
import pytest
from django.template import Context, Template
from django.utils import timezone, translation

from approvals.models import Application, RuleSet
from tests.documents.helpers import certify

pytestmark = pytest.mark.django_db

# approvals/_summary.html as it was before the tag wrote it.
TEMPLATE = """{% load i18n approvals_pages %}<div class="card" data-section="summary">
  <h2>{% translate "基本信息" %}</h2>
  <dl class="facts">
    <dt>{% translate "申请机构" %}</dt><dd>{{ application.agency.name }}</dd>
    <dt>{% translate "统一社会信用代码" %}</dt><dd class="mono">{{ application.agency.credit_code }}</dd>
    <dt>{% translate "地址" %}</dt><dd>{{ application.agency.address }}</dd>
    <dt>{% translate "法定代表人" %}</dt><dd>{{ application.agency.legal_representative }}</dd>
    <dt>{% translate "联系人" %}</dt><dd>{{ application.agency.contact_name }} · {{ application.agency.contact_phone }}{% if application.agency.contact_email %} · {{ application.agency.contact_email }}{% endif %}</dd>
    <dt>{% translate "申请类型" %}</dt><dd>{{ application.get_application_type_display }} · {{ application.get_track_display }}</dd>
    <dt>{% translate "检验检测场所" %}</dt><dd>{{ application.test_sites|default:"—" }}</dd>
    {% number_code_names application as codes %}
    <dt>{% translate "检验检测领域" %}</dt><dd>{{ codes.field }}</dd>
    <dt>{% translate "行业主管部门" %}</dt><dd>{{ codes.industry }}</dd>
    <dt>{% translate "授权签字人" %}</dt><dd>{{ application.authorised_signatories|default:"—" }}</dd>
    <dt>{% translate "真实性声明" %}</dt><dd>{% if application.declaration %}{% translate "已确认" %}{% else %}<span class="badge tone-amber">{% translate "未确认" %}</span>{% endif %}</dd>
    {% if application.submitted_at %}<dt>{% translate "首次提交时间" %}</dt><dd>{{ application.submitted_at|date:"Y-m-d H:i" }}</dd>{% endif %}
    {% if application.rule_set %}<dt>{% translate "适用规则" %}</dt><dd>{{ application.rule_set }}</dd>{% endif %}
    {% if application.review_leader or application.review_experts %}
      <dt>{% translate "评审组" %}</dt><dd>{% if application.review_leader %}{% translate "组长" %} {{ application.review_leader }}{% endif %}{% if application.review_experts %}；{% translate "评审员" %} {{ application.review_experts }}{% endif %}</dd>
    {% endif %}
    {% if application.review_mode %}<dt>{% translate "评审方式" %}</dt><dd>{{ application.get_review_mode_display }}</dd>{% endif %}
    {% if application.decision_reason %}<dt>{% translate "审批决定理由" %}</dt><dd>{{ application.decision_reason }}</dd>{% endif %}
    {% if certificate %}<dt>{% translate "证书编号" %}</dt><dd class="mono" data-certificate>{{ certificate.number }}（{% translate "有效期至" %} {{ certificate.expires_on|date:"Y-m-d" }}）</dd>{% endif %}
  </dl>
</div>
"""


def both(application, certificate=None):
    context = {"application": application, "certificate": certificate}
    old = Template(TEMPLATE).render(Context(context))
    new = Template("{% include 'approvals/_summary.html' %}").render(Context(context))
    return old, new


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_card_is_what_the_template_wrote(language, draft, applicant, acceptor, reviewer, approver, issuer,
                                             django_capture_on_commit_callbacks):
    with translation.override(language):
        # A draft: no declaration, no e-mail, no sites, no signatories, no codes the table knows.
        Application.objects.filter(pk=draft.pk).update(declaration=False, test_sites="", authorised_signatories="",
                                                       field_code="Z<", industry_code="")
        draft.agency.contact_email = ""
        draft.agency.save()
        application = Application.objects.get(pk=draft.pk)
        old, new = both(application)
        assert old == new and "tone-amber" in new and "Z&lt;" in new
        # Certified: submitted, a rule set, a review team, a decision, a certificate.
        certify(draft, applicant, acceptor, reviewer, approver, issuer, django_capture_on_commit_callbacks)
        Application.objects.filter(pk=draft.pk).update(decision_reason="符合<条件> & 要求", review_experts="甲、乙",
                                                       test_sites="贵阳\n遵义")
        application = Application.objects.select_related("agency", "rule_set", "review_leader").get(pk=draft.pk)
        certificate = application.certificate
        old, new = both(application, certificate)
        assert old == new and certificate.number in new and "&lt;条件&gt; &amp;" in new
        for leader, experts in ((None, "甲"), (reviewer, ""), (None, "")):
            application.review_leader, application.review_experts = leader, experts
            old, new = both(application, certificate)
            assert old == new
        application.rule_set = RuleSet.objects.exclude(pk=application.rule_set_id).first()
        application.submitted_at = timezone.now()
        application.review_mode = ""
        old, new = both(application)
        assert old == new
