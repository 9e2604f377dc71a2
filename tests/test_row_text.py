"""The row-writing tags' helpers write what Django's own escape and ``date`` filter write."""

from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal

from django.template import Context, Template
from django.utils import timezone as django_timezone
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy

from approvals.templatetags.approvals_pages import escape_text, local_time_text


class Marked:
    def __html__(self):
        return "<b>already markup</b>"

    def __str__(self):
        return "<b>not this</b>"


def test_escape_text_writes_what_conditional_escape_writes():
    values = ["", "贵州黔检检验检测有限公司", "A & B <script>alert('x')</script> \"q\"", "&amp; already",
              mark_safe("<em>safe</em>"), SafeString("<i>x</i>"), gettext_lazy("待认领"), 7, -3, Decimal("1.50"),
              None, date(2026, 3, 2), Marked(), "SQ2026000001"]
    for value in values:
        ours, djangos = escape_text(value), conditional_escape(value)
        assert ours == djangos, value
        if type(value) is not str:  # a plain text comes back as plain text, to be put in the tag's markup
            assert type(ours) is type(djangos), value


def test_a_time_written_with_the_page_s_zone_is_the_date_filter_s():
    moments = [datetime(2026, 3, 2, 2, 0, tzinfo=UTC), datetime(2026, 12, 31, 16, 30, tzinfo=UTC),
               datetime(2026, 6, 1, 9, 5, tzinfo=timezone(timedelta(hours=-5)))]
    template = Template('{{ moment|date:"Y-m-d H:i" }}')
    for zone in ("Asia/Shanghai", "UTC", "Europe/Berlin"):
        with django_timezone.override(zone):
            current = django_timezone.get_current_timezone()
            for moment in moments:
                filtered = template.render(Context({"moment": moment}))
                assert local_time_text(moment, zone=current) == local_time_text(moment) == filtered, (zone, moment)
    assert local_time_text(None, zone=UTC) == ""
