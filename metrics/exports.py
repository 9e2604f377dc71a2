"""Exports of the five reductions to CSV and XLSX: the aggregates, and the facts application by application.

Aggregates are small and are written in the request. Facts can run to hundreds of thousands of rows:
they are written by a Celery task (``tasks.export_build``) that streams rows into a file under the
private file store and records its progress, and the user downloads the file through a view that
checks who asked for it.
"""

import csv
import io
import uuid
from collections.abc import Callable, Iterable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from openpyxl import Workbook

import outbox
from approvals.models import User

from . import selectors
from .models import NODE_LABELS, NODES, ApplicationFacts, MetricsExport
from .selectors import Filters

PROGRESS_EVERY = 1000  # rows between two progress updates: cheap enough, frequent enough to watch


def _cell(value: Any) -> Any:
    """A spreadsheet-safe value: text that a spreadsheet would run as a formula is quoted."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def _yes(value: bool | None) -> str:
    return "" if value is None else ("是" if value else "否")


# --- per-application facts ----------------------------------------------------------------------
def _local(moment) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")


FACT_COLUMNS: list[tuple[str, Callable[[ApplicationFacts], Any]]] = [
    ("申请编号", lambda f: f.application.reference),
    ("申请机构", lambda f: f.application.agency.name),
    ("统一社会信用代码", lambda f: f.application.agency.credit_code),
    ("申请类型", lambda f: f.get_application_type_display()),
    ("程序", lambda f: f.get_track_display()),
    ("发证机关", lambda f: f.authority),
    ("办理结果", lambda f: f.get_outcome_display()),
    ("适用规则集", lambda f: f.rule_set.name),
    ("提交时间", lambda f: _local(f.submitted_at)),
    ("办结时间", lambda f: _local(f.ended_at)),
    ("审批事项数（基线）", lambda f: f.procedures_baseline),
    ("审批事项数", lambda f: f.procedures),
    ("跑动次数（基线）", lambda f: f.visits_baseline),
    ("跑动次数", lambda f: f.visits),
    ("环节数（基线）", lambda f: f.steps_baseline),
    ("经历环节数", lambda f: f.steps),
    ("补正整改往返次数", lambda f: f.rework_loops),
    ("法定时限（基线，工作日）", lambda f: f.days_baseline),
    ("法定时限（现行，工作日）", lambda f: f.days_limit),
    ("承诺时限（工作日）", lambda f: f.days_promise),
    ("计时用时（工作日）", lambda f: f.days_counted),
    ("审批时限内用时（工作日）", lambda f: f.days_approval),
    ("技术评审用时（工作日）", lambda f: f.days_review),
    ("停止计时（工作日）", lambda f: f.days_stopped),
    ("总用时（工作日）", lambda f: f.days_elapsed),
    *[
        column
        for node in NODES
        for column in (
            (f"{NODE_LABELS[node]}用时（工作日）", lambda f, node=node: getattr(f, f"{node}_days")),
            (f"{NODE_LABELS[node]}超时", lambda f, node=node: _yes(getattr(f, f"{node}_late"))),
        )
    ],
    ("按时办结", lambda f: _yes(f.on_time)),
    ("超时环节数", lambda f: f.late_steps),
    ("收费（基线，元）", lambda f: float(f.fee_baseline_yuan)),
    ("收费（元）", lambda f: float(f.fee_yuan)),
    ("要求材料数（基线）", lambda f: f.documents_baseline),
    ("目录要求材料数", lambda f: f.documents_required),
    ("数据共享免提交", lambda f: f.documents_shared),
    ("复用材料数", lambda f: f.documents_reused),
    ("实际提交材料数", lambda f: f.documents_uploaded),
    ("补正轮次", lambda f: f.supplement_rounds),
    ("整改轮次", lambda f: f.rectification_rounds),
]


def fact_rows(rows: Iterable[ApplicationFacts]) -> Iterator[list[Any]]:
    for row in rows:
        yield [_cell(get(row)) for _header, get in FACT_COLUMNS]


def facts_queryset(filters: Filters):
    return selectors.facts(filters=filters).select_related("application__agency", "rule_set").order_by("ended_at", "pk")


# --- aggregates ----------------------------------------------------------------------------------
AGGREGATE_HEADERS = [
    "范围", "办结件数", "按时办结率",
    *[f"{selectors.REDUCTION_LABELS[key]}{part}"
      for key in selectors.REDUCTIONS for part in ("（基线）", "（实际）", "（压减%）")],
]
STEP_HEADERS = ["环节", "件数", "平均用时（工作日）", "现行时限", "改革前时限", "超时件数", "超时率"]


def _aggregate_line(scope: str, applications: int, on_time_rate, reductions: dict) -> list[Any]:
    line: list[Any] = [scope, applications, on_time_rate]
    for key in selectors.REDUCTIONS:
        figure = reductions[key]
        line += [figure["baseline"], figure["actual"], figure["reduction_pct"]]
    return [_cell(value) for value in line]


def aggregate_tables(filters: Filters) -> dict[str, tuple[list[str], list[list[Any]]]]:
    """Sheets of the aggregate export: the reductions over the period, by month and by dimension; steps."""
    data = selectors.dashboard(filters=filters, overdue_limit=0)
    lines = [_aggregate_line("合计", data["applications"]["total"], data["on_time_rate"], data["reductions"])]
    lines += [_aggregate_line(m["month"], m["applications"], m["on_time_rate"], m["reductions"]) for m in data["months"]]
    lines += [
        _aggregate_line(f"{b['authority']} / {b['application_type_display']} / {b['track_display']}",
                        b["applications"], b["on_time_rate"], b["reductions"])
        for b in data["breakdown"]
    ]
    steps = [
        [s["label"], s["applications"], s["mean_days"], s["limit"], s["baseline_limit"], s["late"], s["late_rate"]]
        for s in data["steps"]
    ]
    return {"五减汇总": (AGGREGATE_HEADERS, lines), "环节用时": (STEP_HEADERS, steps)}


# --- writers -------------------------------------------------------------------------------------
def write_csv(out: io.TextIOBase, tables: dict[str, tuple[list[str], Iterable[list[Any]]]]) -> None:
    """One CSV (UTF-8 with BOM, which spreadsheet programs need to read Chinese); tables one after another."""
    out.write("\ufeff")
    writer = csv.writer(out)
    for index, (name, (headers, rows)) in enumerate(tables.items()):
        if len(tables) > 1:
            if index:
                writer.writerow([])
            writer.writerow([f"【{name}】"])
        writer.writerow(headers)
        writer.writerows(rows)


def write_xlsx(target, tables: dict[str, tuple[list[str], Iterable[list[Any]]]]) -> None:
    """One sheet per table, written row by row (openpyxl's write-only mode keeps memory flat)."""
    book = Workbook(write_only=True)
    for name, (headers, rows) in tables.items():
        sheet = book.create_sheet(title=name[:31])
        sheet.freeze_panes = "A2"
        sheet.append(headers)
        for row in rows:
            sheet.append(row)
    book.save(target)


def aggregates_file(filters: Filters, fmt: str) -> bytes:
    """The aggregate export as the bytes of a CSV or XLSX file."""
    tables = aggregate_tables(filters)
    if fmt == MetricsExport.Format.CSV:
        out = io.StringIO()
        write_csv(out, tables)
        return out.getvalue().encode("utf-8")
    buffer = io.BytesIO()
    write_xlsx(buffer, tables)
    return buffer.getvalue()


# --- the export job ------------------------------------------------------------------------------
def exports_root() -> Path:
    return Path(settings.MEDIA_ROOT) / "exports"


@transaction.atomic
def export_request(*, by: User, kind: str, fmt: str, filters: Filters) -> MetricsExport:
    """Queue an export for the user; the file is built after commit by a Celery task."""
    export = MetricsExport(requested_by=by, kind=kind, format=fmt, filters=filters.as_query())
    export.full_clean(exclude=["file"])
    export.save()
    outbox.schedule("metrics.export", export.pk)  # built by the worker after commit
    return export


def _tracked(rows: Iterable[list[Any]], export: MetricsExport) -> Iterator[list[Any]]:
    done = 0
    for row in rows:
        yield row
        done += 1
        if done % PROGRESS_EVERY == 0:
            MetricsExport.objects.filter(pk=export.pk).update(rows_done=done)


def export_run(*, export_id: int) -> MetricsExport:
    """Build an export's file (idempotent: a finished export is left alone, a failed one rebuilt)."""
    export = MetricsExport.objects.get(pk=export_id)
    if export.state == MetricsExport.State.DONE:
        return export
    from .forms import parse_filters

    filters = parse_filters(export.filters)
    if export.kind == MetricsExport.Kind.FACTS:
        rows = facts_queryset(filters)
        total = rows.count()
        tables = {"逐件指标": ([h for h, _get in FACT_COLUMNS], _tracked(fact_rows(rows.iterator(chunk_size=2000)), export))}
    else:
        tables = aggregate_tables(filters)
        total = sum(len(rows) for _headers, rows in tables.values())
    MetricsExport.objects.filter(pk=export.pk).update(
        state=MetricsExport.State.RUNNING, rows_total=total, rows_done=0, error=""
    )
    relative = Path("exports") / str(export.pk) / f"{uuid.uuid4().hex}.{export.format}"
    path = Path(settings.MEDIA_ROOT) / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    if export.format == MetricsExport.Format.CSV:
        with path.open("w", encoding="utf-8", newline="") as out:
            write_csv(out, tables)
    else:
        write_xlsx(str(path), tables)
    MetricsExport.objects.filter(pk=export.pk).update(
        state=MetricsExport.State.DONE, rows_done=total, file=str(relative), size=path.stat().st_size,
        finished_at=timezone.now(),
    )
    export.refresh_from_db()
    return export


def export_fail(*, export_id: int, error: str) -> None:
    MetricsExport.objects.filter(pk=export_id).update(state=MetricsExport.State.FAILED, error=error[:2000],
                                                      finished_at=timezone.now())


def export_path(export: MetricsExport) -> Path | None:
    """The file of a finished export, if it is still on disk (never outside the exports folder)."""
    if export.state != MetricsExport.State.DONE or not export.file:
        return None
    root = exports_root().resolve()
    path = (Path(settings.MEDIA_ROOT) / export.file).resolve()
    if root not in path.parents or not path.is_file():
        return None
    return path


def exports_purge(*, older_than_days: int) -> int:
    """Delete exports (their files and rows) requested more than ``older_than_days`` ago; returns how many.

    Exports hold personal and agency data: they are kept only long enough to be downloaded."""
    old = MetricsExport.objects.filter(created__lt=timezone.now() - timedelta(days=older_than_days))
    count = 0
    for export in old.only("pk", "file", "state"):
        path = export_path(export)
        if path is not None:
            path.unlink(missing_ok=True)
            if not any(path.parent.iterdir()):
                path.parent.rmdir()
        export.delete()
        count += 1
    return count
