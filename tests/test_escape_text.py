"""The row-writing tags' escape is Django's ``conditional_escape``, value for value."""

from datetime import date
from decimal import Decimal

from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy

from approvals.templatetags.approvals_pages import escape_text


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
