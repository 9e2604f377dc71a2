"""The layout's fragments written once per process (``{% rendered_once %}``) follow the language, the
roles and the current page: one user's navigation never reaches another."""

import re

import pytest
from django.template import Template, TemplateSyntaxError
from django.template.loader import get_template
from django.template.loader_tags import BlockNode
from django.test import Client
from django.urls import reverse

from workflows import services

pytestmark = pytest.mark.django_db


def nav(client, url, language="zh-hans"):
    client.cookies["django_language"] = language
    html = client.get(url).content.decode()
    return re.search(r'<nav class="mainnav".*?</nav>', html, re.S).group(0), html


def signed_in(user):
    client = Client()
    client.force_login(user)
    return client


def test_each_role_language_and_page_gets_its_own_navigation(applicant, acceptor, monitor, admin_user):
    applicant_zh, _ = nav(signed_in(applicant), reverse("approvals:application_list"))
    acceptor_zh, _ = nav(signed_in(acceptor), reverse("workflows:claimable"))
    acceptor_inbox, _ = nav(signed_in(acceptor), reverse("workflows:inbox"))
    acceptor_en, acceptor_en_page = nav(signed_in(acceptor), reverse("workflows:claimable"), "en")
    monitor_zh, _ = nav(signed_in(monitor), reverse("metrics:dashboard"))
    anonymous, anonymous_page = nav(Client(), reverse("documents:verify-lookup"))
    applicant_again, _ = nav(signed_in(applicant), reverse("approvals:application_list"))

    assert "我的申请" in applicant_zh and "待认领" not in applicant_zh and applicant_again == applicant_zh
    assert "待认领" in acceptor_zh and "我的申请" not in acceptor_zh and "五减监测" not in acceptor_zh
    # the current page is marked: the queue on one, the inbox on the other
    assert re.search(r'href="/tasks/queue/" class="active"', acceptor_zh)
    assert re.search(r'href="/tasks/" class="active"', acceptor_inbox) and acceptor_inbox != acceptor_zh
    assert "待认领" not in acceptor_en and ">To claim</a>" in acceptor_en
    assert '<html lang="en">' in acceptor_en_page and 'value="en" selected' in acceptor_en_page
    assert "五减监测" in monitor_zh and "待认领" not in monitor_zh
    assert anonymous.count("<a ") == 0 and 'value="zh-hans" selected' in anonymous_page
    admin_nav, _ = nav(signed_in(admin_user), reverse("documents:verify-lookup"))
    assert "管理后台" in admin_nav and "管理后台" not in acceptor_zh


def test_a_fragment_written_once_holds_no_block_and_the_layouts_blocks_are_still_found():
    with pytest.raises(TemplateSyntaxError, match="cannot hold a {% block %}"):
        Template("{% load approvals_pages %}{% rendered_once %}{% block title %}x{% endblock %}{% endrendered_once %}")
    # The walk for blocks that {% extends %} makes skips the fragments, and finds every block of the layout.
    layout = get_template("base.html").template
    assert {node.name for node in layout.nodelist.get_nodes_by_type(BlockNode)} == {"title", "scripts", "content"}


def test_the_tables_heads_written_once_follow_the_language_and_the_queue(draft, applicant, acceptor):
    """The heads of the queue's, the scope's, the timeline's and the record's tables are fragments
    written once: each page still gets them in its own language, and each queue its own head."""
    services.application_submit(application=draft, by=applicant)
    submitted_for_queue = draft
    client = signed_in(acceptor)
    pages = {}
    for language in ("zh-hans", "en", "zh-hans"):
        client.cookies["django_language"] = language
        for url in (reverse("workflows:claimable"), reverse("workflows:inbox"),
                    reverse("workflows:application_detail", args=[submitted_for_queue.pk])):
            html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", client.get(url).content.decode())
            assert pages.setdefault((language, url), html) == html  # the second visit in Chinese: the same
    queue_zh, inbox_zh, detail_zh = (pages["zh-hans", url] for url in (
        reverse("workflows:claimable"), reverse("workflows:inbox"),
        reverse("workflows:application_detail", args=[submitted_for_queue.pk])))
    queue_en, detail_en = pages["en", reverse("workflows:claimable")], pages[
        "en", reverse("workflows:application_detail", args=[submitted_for_queue.pk])]
    assert "<th>申请机构</th>" in queue_zh and "<th>申请机构</th>" not in queue_en and 'data-queue="queue"' in queue_zh
    assert "待认领</h1>" in queue_zh and "我的待办</h1>" in inbox_zh and "没有待办任务" in inbox_zh
    for heading in ("<th>环节</th>", "<th>序号</th>", "<h2>审计记录</h2>"):
        assert heading in detail_zh and heading not in detail_en
    assert '<label class="small" for="language-select">' in detail_en
