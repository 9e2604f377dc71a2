"""The application page's and the applicant's list's fixed text is written once per language and key
({% rendered_once %}): each page still gets it in its own language, and each notice, round and step its own."""

import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from approvals.models import Deficiency
from workflows import services

pytestmark = pytest.mark.django_db


def pages_in_turn(client, urls):
    """Each page in Chinese, English and Chinese again: the second Chinese visit is the first's, byte for byte."""
    pages = {}
    for language in ("zh-hans", "en", "zh-hans"):
        client.cookies["django_language"] = language
        for url in urls:
            html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", client.get(url).content.decode())
            assert pages.setdefault((language, url), html) == html
    return pages


def test_the_application_page_writes_its_notices_and_steps_in_the_pages_language(draft, applicant, acceptor):
    services.application_submit(application=draft, by=applicant)
    Deficiency.objects.create(application=draft, kind="supplement", round=1, description="缺少材料", raised_by=acceptor,
                              response="已补", resolved_at=timezone.now())
    Deficiency.objects.create(application=draft, kind="supplement", round=2, description="再补", raised_by=acceptor)
    Deficiency.objects.create(application=draft, kind="rectification", round=1, description="整改", raised_by=acceptor)
    client = Client()
    client.force_login(acceptor)
    url = reverse("workflows:application_detail", args=[draft.pk])
    pages = pages_in_turn(client, [url])
    zh, en = pages["zh-hans", url], pages["en", url]
    for text in ("补正通知（第 1 轮，一次性告知）", "补正通知（第 2 轮，一次性告知）", "整改通知（第 1 轮）",
                 '<span class="badge tone-amber">待答复</span>', '<span class="badge tone-green">已答复</span>',
                 "<h2>补正与整改</h2>", "<h2>状态变更记录</h2>", "检验检测能力范围 <span", "<title>申请 SQ",
                 "此申请正处于“受理”环节，您可以办理。", ">去办理</a>"):
        assert text in zh and text not in en, text
    # each notice's heading its own round, each badge its own state
    assert zh.count("tone-amber\">待答复") == 2 and zh.count("tone-green\">已答复") == 1
    step = draft.steps.get(node="accept")
    assert f'href="{reverse("workflows:task_detail", args=[step.task_id])}"' in en


def test_the_applicants_list_writes_its_fixed_text_in_the_pages_language(applicant, applicant2, draft):
    url = reverse("approvals:application_list")
    client = Client()
    client.force_login(applicant)
    pages = pages_in_turn(client, [url])
    zh, en = pages["zh-hans", url], pages["en", url]
    for text in ("<title>我的申请 ·", "<h1>我的申请</h1>", ">新建申请</a></div>", "<th>申请编号</th>", ">继续填写</a>",
                 'data-label="申请类型"'):
        assert text in zh and text not in en, text
    client = Client()
    client.force_login(applicant2)  # no application yet
    pages = pages_in_turn(client, [url])
    assert "还没有申请。" in pages["zh-hans", url] and "还没有申请。" not in pages["en", url]
    assert 'href="/applications/new/"' in pages["en", url]
