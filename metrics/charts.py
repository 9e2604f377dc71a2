"""Charts as inline SVG, drawn on the server: no script, no CDN, readable without JavaScript.

Every chart carries a ``<title>`` and ``<desc>`` for screen readers and a ``<title>`` per point for
a tooltip; the page shows the same figures in a table beside it. Text is escaped by ``format_html``.
"""

from dataclasses import dataclass
from math import ceil, floor, log10

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

PALETTE = ["#1f5fa8", "#c8102e", "#2e8540", "#b36b00", "#6a3d9a", "#5f6b7a"]
GRID, AXIS, TEXT = "#e3e7ed", "#8a94a3", "#3c4656"
FONT = 'font-family="system-ui, \'Noto Sans CJK SC\', sans-serif"'


@dataclass(frozen=True)
class Series:
    name: str
    values: list[float | None]
    color: str = PALETTE[0]
    dashed: bool = False


def nice_ceiling(value: float) -> float:
    """The smallest of 1, 2, 2.5, 5 × 10^k not below ``value`` (an axis maximum a reader can divide)."""
    if value <= 0:
        return 1
    power = 10 ** floor(log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * power + 1e-9:
            return step * power
    return 10 * power


def _n(value: float) -> str:
    """A coordinate (format_html escapes its arguments to text first, so numbers are formatted here)."""
    return f"{value:.1f}"


def _fmt(value: float) -> str:
    return f"{value:.0f}" if float(value).is_integer() else f"{value:.1f}"


def _frame(width: int, height: int, title: str, desc: str, body: str, css_class: str) -> SafeString:
    return format_html(
        '<svg class="{}" viewBox="0 0 {} {}" width="100%" role="img" aria-labelledby="{}-t {}-d" '
        'xmlns="http://www.w3.org/2000/svg" {}><title id="{}-t">{}</title><desc id="{}-d">{}</desc>{}</svg>',
        css_class, width, height, css_class, css_class, mark_safe(FONT), css_class, title, css_class, desc,
        mark_safe(body),
    )


def axis(low: float, high: float, *, integer: bool = False) -> tuple[float, float, float]:
    """A value axis through zero: (bottom, top, step), about four round steps covering [low, high]."""
    low, high = min(low, 0), max(high, 0)
    if high == low:
        high = low + 1
    step = nice_ceiling((high - low) / 4)
    if integer:
        step = max(1, ceil(step))
    return floor(low / step + 1e-9) * step, ceil(high / step - 1e-9) * step, step


def _y_axis(bottom: float, top: float, step: float, left: int, right: int, plot_top: int, plot_bottom: int,
            unit: str) -> str:
    parts = []
    ticks = round((top - bottom) / step)
    for i in range(ticks + 1):
        value = bottom + step * i
        y = plot_bottom - (plot_bottom - plot_top) * i / ticks
        parts.append(format_html(
            '<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="{}"/>'
            '<text x="{}" y="{}" font-size="11" text-anchor="end" fill="{}">{}</text>',
            left, _n(y), right, _n(y), AXIS if abs(value) < 1e-9 else GRID, left - 6, _n(y + 4), TEXT, _fmt(value),
        ))
    parts.append(format_html('<text x="{}" y="{}" font-size="11" fill="{}">{}</text>', left, plot_top - 8, TEXT, unit))
    return "".join(parts)


def _x_labels(labels: list[str], xs: list[float], y: int) -> str:
    every = max(1, -(-len(labels) // 12))  # at most about twelve labels on a laptop-wide chart
    return "".join(
        format_html('<text x="{}" y="{}" font-size="11" text-anchor="middle" fill="{}">{}</text>', _n(x), y, TEXT, label)
        for i, (label, x) in enumerate(zip(labels, xs, strict=True))
        if (len(labels) - 1 - i) % every == 0  # counted from the latest month, which is always labelled
    )


def text_width(text: str, size: int = 12) -> float:
    """Roughly how wide ``text`` is drawn: a CJK character is a full em, a Latin one about half."""
    return sum(size if ord(char) > 0x2E80 else size * 0.56 for char in str(text))


def _legend(series: list[tuple[str, str, bool]], x: int, y: int) -> str:
    parts, offset = [], 0
    for name, color, dashed in series:
        dash = ' stroke-dasharray="5 3"' if dashed else ""
        parts.append(format_html(
            '<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="{}" stroke-width="3"{}/>'
            '<text x="{}" y="{}" font-size="12" fill="{}">{}</text>',
            _n(x + offset), y, _n(x + offset + 18), y, color, mark_safe(dash), _n(x + offset + 24), y + 4, TEXT, name,
        ))
        offset += 36 + text_width(name)
    return "".join(parts)


def line_chart(*, labels: list[str], series: list[Series], title: str, desc: str, unit: str = "",
               css_class: str = "chart-line", width: int = 720, height: int = 260, top: float | None = None) -> SafeString:
    """Lines over months (gaps where a value is missing), a y axis from zero (or below, for a
    negative value: an increase is shown as one, never clipped), a legend."""
    left, right, plot_top, plot_bottom = 48, width - 32, 40, height - 28
    values = [v for s in series for v in s.values if v is not None]
    bottom, top, tick = axis(min(values, default=0), top or max(values, default=0))
    spacing = (right - left) / max(len(labels) - 1, 1)
    xs = [left + i * spacing if len(labels) > 1 else (left + right) / 2 for i in range(len(labels))]

    def y(value: float) -> float:
        return plot_bottom - (plot_bottom - plot_top) * (min(value, top) - bottom) / (top - bottom)

    body = [_y_axis(bottom, top, tick, left, right, plot_top, plot_bottom, unit), _x_labels(labels, xs, height - 8)]
    for s in series:
        dash = ' stroke-dasharray="6 4"' if s.dashed else ""
        run: list[str] = []
        runs = []
        for x, value in zip(xs, s.values, strict=True):
            if value is None:
                if run:
                    runs.append(run)
                run = []
                continue
            run.append(f"{x:.1f},{y(value):.1f}")
        if run:
            runs.append(run)
        for points in runs:
            body.append(format_html('<polyline points="{}" fill="none" stroke="{}" stroke-width="2"{}/>',
                                    " ".join(points), s.color, mark_safe(dash)))
        body.append(format_html_join("", '<circle cx="{}" cy="{}" r="3" fill="{}"><title>{} {}：{}{}</title></circle>', (
            (_n(x), _n(y(value)), s.color, label, s.name, _fmt(value), unit)
            for x, value, label in zip(xs, s.values, labels, strict=True) if value is not None
        )))
    body.append(_legend([(s.name, s.color, s.dashed) for s in series], left, 16))
    return _frame(width, height, title, desc, "".join(body), css_class)


def bar_chart(*, labels: list[str], values: list[float], title: str, desc: str, name: str, unit: str = "",
              color: str = PALETTE[5], css_class: str = "chart-bars", width: int = 720, height: int = 200) -> SafeString:
    """Vertical bars over months."""
    left, right, plot_top, plot_bottom = 48, width - 32, 30, height - 28
    _bottom, top, tick = axis(0, max(values, default=0), integer=True)
    slot = (right - left) / max(len(labels), 1)
    bar = max(min(slot * 0.7, 40), 2)
    xs = [left + slot * (i + 0.5) for i in range(len(labels))]
    body = [_y_axis(0, top, tick, left, right, plot_top, plot_bottom, unit), _x_labels(labels, xs, height - 8)]
    for x, value, label in zip(xs, values, labels, strict=True):
        h = (plot_bottom - plot_top) * value / top
        body.append(format_html(
            '<rect x="{}" y="{}" width="{}" height="{}" fill="{}"><title>{} {}：{}{}</title></rect>',
            _n(x - bar / 2), _n(plot_bottom - h), _n(bar), _n(h), color, label, name, _fmt(value), unit,
        ))
    return _frame(width, height, title, desc, "".join(body), css_class)


def step_chart(*, steps: list[dict], title: str, desc: str, css_class: str = "chart-steps",
               width: int = 720) -> SafeString:
    """Horizontal bars: mean working days per step, a solid mark at today's limit, a dashed one at
    the baseline's. A bar past its limit is drawn red."""
    rows = [s for s in steps if s["mean_days"] is not None or s["limit"] is not None]
    # The labels' column is as wide as the longest label (English ones run longer than Chinese).
    label_w = max(80, int(max((text_width(s["label"]) for s in rows), default=0)) + 8)
    left, right, row_h = label_w + 8, width - 150, 30
    height = 40 + row_h * len(rows)
    top = nice_ceiling(max([v for s in rows for v in (s["mean_days"], s["limit"], s["baseline_limit"]) if v] or [1]))

    def x(value: float) -> float:
        return left + (right - left) * value / top

    body = [_legend([(_("平均用时"), PALETTE[0], False), (_("现行时限"), TEXT, False), (_("改革前时限"), TEXT, True)],
                    left, 14)]
    for i, s in enumerate(rows):
        y0 = 32 + i * row_h
        mean = s["mean_days"] or 0
        over = s["limit"] is not None and mean > s["limit"]
        body.append(format_html('<text x="{}" y="{}" font-size="12" text-anchor="end" fill="{}">{}</text>',
                                label_w, y0 + 15, TEXT, s["label"]))
        body.append(format_html(
            '<rect x="{}" y="{}" width="{}" height="16" fill="{}"><title>{}</title></rect>',
            left, y0 + 3, _n(x(mean) - left), PALETTE[1] if over else PALETTE[0],
            _("%(step)s：平均 %(days)s 个工作日") % {"step": s["label"], "days": _fmt(mean)},
        ))
        for limit, dashed in ((s["limit"], False), (s["baseline_limit"], True)):
            if limit:
                title = _("改革前时限 %(days)s 个工作日") if dashed else _("现行时限 %(days)s 个工作日")
                body.append(format_html(
                    '<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="{}" stroke-width="2"{}><title>{}</title></line>',
                    _n(x(limit)), y0, _n(x(limit)), y0 + 22, TEXT, mark_safe(' stroke-dasharray="3 2"' if dashed else ""),
                    title % {"days": limit},
                ))
        late = "" if s["late_rate"] is None else _("超时 %(pct)s%%") % {"pct": f"{s['late_rate'] * 100:.1f}"}
        body.append(format_html('<text x="{}" y="{}" font-size="12" fill="{}">{} {}</text>',
                                right + 8, y0 + 15, TEXT, _("%(days)s 日") % {"days": _fmt(mean)}, late))
    return _frame(width, height, title, desc, "".join(body), css_class)


# --- the dashboard's pictures --------------------------------------------------------------------
UNITS = {"procedures": gettext_lazy("项"), "steps": gettext_lazy("个"), "time": gettext_lazy("个工作日"),
         "fees": gettext_lazy("元"), "documents": gettext_lazy("份")}
MEANINGS = {
    "procedures": gettext_lazy("审批事项数（每件，取自适用的规则集）"),
    "steps": gettext_lazy("同一办理路径的环节数（每件，含补正、整改往返）"),
    "time": gettext_lazy("法定时限（每件所经环节的时限之和）"),
    "fees": gettext_lazy("收费（每件，取自适用的规则集）"),
    "documents": gettext_lazy("需申请机构新提交的材料种数（每件）"),
}
# Each figure's definition with its formula: a tooltip on its card and a footnote under the cards
# (the same text as metrics/README.md).
DEFINITIONS = {
    "procedures": gettext_lazy(
        "减程序 =（基线审批事项数 − 现行审批事项数）÷ 基线审批事项数；跑动次数同理。两者均取自每件申请适用的"
        "规则集和基线规则集（本系统全程网上办理，不另行登记跑动）。"),
    "steps": gettext_lazy(
        "减环节 =（同一路径按基线规则的环节数 − 实际经历的环节数）÷ 前者。同一路径：基线规则到本件办理进度为止的"
        "结构环节（含改革取消的环节，如告知承诺程序的技术评审），加上本件相同的补正、整改往返。"
        "结构环节（不含往返）另列。"),
    "time": gettext_lazy(
        "减时间（法定）=（同一路径按基线规则的各环节法定时限之和 − 按现行规则之和）÷ 前者。"
        "减时间（实际）=（基线规则下办理的申请在可比期间的平均计时用时 − 本期平均计时用时）÷ 前者，"
        "可比期间为改革生效日前等长的期间；没有基线历史时不计算。计时用时不含补正、整改停止计时，"
        "按国家工作日历计算，首日不计。"),
    "fees": gettext_lazy("减收费 =（基线收费 − 现行收费）÷ 基线收费，取自规则集；基线为零时不计算压减率。"),
    "documents": gettext_lazy(
        "减申请材料 =（基线目录要求申请机构提交的材料种数 − 本件新提交的材料种数）÷ 前者。"
        "按目录要求（材料种类）计：一种材料多个文件、补正时重新上传均计一种；数据共享免提交、复用的材料"
        "和上传文件数另列。"),
}


def reduction_cards(reductions: dict) -> list[dict]:
    """The five headline cards: what is measured, baseline → actual, the reduction, a detail line."""
    cards = []
    for key in ("procedures", "steps", "time", "fees", "documents"):
        figure = reductions[key]
        detail = ""
        if key == "procedures" and figure.get("visits"):
            v = figure["visits"]
            detail = _("跑动次数 %(baseline)s → %(actual)s") % {"baseline": _opt(v["baseline"]), "actual": _opt(v["actual"])}
        elif key == "steps" and figure.get("structural"):
            detail = _("结构环节 %(baseline)s → %(actual)s；补正、整改往返 %(loops)s 次") % {
                "baseline": _opt(figure["structural"]["baseline"]), "actual": _opt(figure["structural"]["actual"]),
                "loops": _opt(figure["rework_loops"])}
        elif key == "time" and figure.get("handling"):
            detail = handling_text(figure)
        elif key == "fees" and figure["baseline"] == 0 and figure["actual"] == 0:
            detail = _("改革前后均不收费")
        elif key == "documents" and figure.get("required") is not None:
            detail = _("目录要求 %(required)s 种，数据共享免交 %(shared)s，复用 %(reused)s；上传文件 %(files)s 个") % {
                "required": _opt(figure["required"]), "shared": _opt(figure["shared"]),
                "reused": _opt(figure["reused"]), "files": _opt(figure.get("files"))}
        cards.append({
            "key": key, "label": _label(key), "meaning": MEANINGS[key], "unit": UNITS[key],
            "definition": DEFINITIONS[key],
            "baseline": figure["baseline"], "actual": figure["actual"], "pct": figure["reduction_pct"], "detail": detail,
        })
    return cards


def handling_text(time: dict) -> str:
    """The actual handling time against the baseline's own history, or why there is no comparison."""
    handling = time["handling"]
    if handling["actual"] is None:
        return ""
    if handling["no_baseline_history"]:
        text = _("实际办理（计时）平均 %(actual)s 个工作日；无基线历史，不计算实际用时压减") % {
            "actual": _opt(handling["actual"])}
    else:
        pct = handling["reduction_pct"]
        text = _("实际办理（计时）平均 %(actual)s 个工作日，基线规则历史 %(baseline)s（%(n)s 件）：压减 %(pct)s") % {
            "actual": _opt(handling["actual"]), "baseline": _opt(handling["baseline"]),
            "n": handling["baseline_applications"], "pct": "—" if pct is None else f"{pct:+.1f}%"}
    text += _("；技术评审 %(review)s，停止计时 %(stopped)s") % {
        "review": _opt(time["review"]), "stopped": _opt(time["stopped"])}
    if time.get("promise"):
        text += _("；承诺时限 %(promise)s") % {"promise": _opt(time["promise"]["baseline"])}
    return text


def _label(key: str) -> str:
    from .selectors import REDUCTION_LABELS

    return str(REDUCTION_LABELS[key])


def _opt(value) -> str:
    return "—" if value is None else _fmt(value)


def dashboard_charts(data: dict) -> dict[str, SafeString]:
    """The trend charts by month and the step chart."""
    months = data["months"]
    labels = [m["month"] for m in months]
    time = [m["reductions"]["time"] for m in months]
    result = {
        "time": line_chart(
            labels=labels, css_class="chart-time", unit=_("工作日"), title=_("每月平均用时与法定时限"),
            desc=_("按办结月份：平均计时用时、现行法定时限、改革前法定时限（工作日）。"),
            series=[
                Series(_("实际用时"), [t["counted"] for t in time], PALETTE[0]),
                Series(_("现行时限"), [t["actual"] for t in time], PALETTE[5]),
                Series(_("改革前时限"), [t["baseline"] for t in time], PALETTE[1], dashed=True),
            ],
        ),
        "reductions": line_chart(
            labels=labels, css_class="chart-reductions", unit="%", title=_("每月五减压减率"),
            desc=_("按办结月份：各项相对改革前基线的压减百分比。"),
            top=100,
            series=[
                Series(_label(key), [m["reductions"][key]["reduction_pct"] for m in months], PALETTE[i])
                for i, key in enumerate(("procedures", "steps", "time", "fees", "documents"))
            ],
        ),
        "volume": bar_chart(
            labels=labels, values=[m["applications"] for m in months], css_class="chart-volume", name=_("办结"),
            unit=_("件"), title=_("每月办结件数"), desc=_("按办结月份统计的办结件数。"),
        ),
        "steps": step_chart(
            steps=data["steps"], title=_("各环节平均用时与时限"),
            desc=_("各办理环节平均用时（工作日），与现行时限和改革前时限比较。"),
        ),
    }
    return result
