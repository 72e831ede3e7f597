"""The daily report (客服日報) of one day in the workspace's time zone: what the desk handled, how fast, how well,
what after-sales cost, and what customers asked and complained about, by product."""

from __future__ import annotations

import io
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from openpyxl import Workbook
from openpyxl.styles import Font
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from livecrew.core.clock import Clock, to_ms
from livecrew.core.errors import ValidationFailed
from livecrew.core.sheets import safe_cell
from livecrew.service import config
from livecrew.service.models import AFTER_SALES, OPEN_STATUSES, SlaBreach, Ticket, TicketEntry

CONVERSION_WINDOW_MS = 24 * 3600 * 1000


def parse_day(value: str) -> date:
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise ValidationFailed(f'"{value}" is not a day like 2026-06-12', key="err.service_day") from None


def day_bounds(day: date, timezone: str) -> tuple[datetime, datetime]:
    tz = ZoneInfo(timezone)
    start = datetime.combine(day, time(0), tz)
    return start, datetime.combine(day + timedelta(days=1), time(0), tz)


def today(clock: Clock, timezone: str) -> date:
    return clock.now().astimezone(ZoneInfo(timezone)).date()


def _ratio(a: float, b: float) -> float | None:
    return a / b if b else None


@dataclass
class DailyReport:
    day: str
    data: dict[str, Any]

    def summary(self) -> str:
        d = self.data
        rate = d["first_reply_rate"]
        return (
            f"客服日報 {self.day}: 諮詢 {d['consults']}、新工單 {d['opened']}、處理 {d['handled']}、"
            f"平均首響 {_seconds(d['avg_first_reply_seconds'])}、"
            f"{d['first_reply_target_minutes']} 分鐘回覆率 {_pct(rate)}、詢單轉化 {_pct(d['inquiry_conversion'])}、"
            f"售後 {sum(v['count'] for v in d['after_sales'].values())} 件、SLA 超時 {d['sla_breaches']}、"
            f"未結 {d['still_open']}"
        )


def _pct(v: float | None) -> str:
    return "—" if v is None else f"{v * 100:.1f}%"


def _seconds(v: float | None) -> str:
    return "—" if v is None else f"{v:.0f}s"


def daily(db: Session, clock: Clock, workspace_id: str, day: date) -> DailyReport:
    from livecrew.live.public import pays_between

    s = config.settings_for(db, workspace_id)
    start, end = day_bounds(day, s.timezone)
    now = clock.now()
    opened = list(
        db.scalars(
            select(Ticket).where(
                Ticket.workspace_id == workspace_id, Ticket.created_at >= start, Ticket.created_at < end
            )
        ).all()
    )
    replies = db.execute(
        select(TicketEntry.ticket_id, TicketEntry.data)
        .join(Ticket, Ticket.id == TicketEntry.ticket_id)
        .where(
            Ticket.workspace_id == workspace_id,
            TicketEntry.kind == "reply",
            TicketEntry.at >= start,
            TicketEntry.at < end,
        )
    ).all()
    solved_ids = set(
        db.scalars(
            select(Ticket.id).where(
                Ticket.workspace_id == workspace_id, Ticket.solved_at >= start, Ticket.solved_at < end
            )
        ).all()
    )
    handled = {tid for tid, _d in replies} | solved_ids
    first = [
        int(d["response_seconds"]) for _t, d in replies if d.get("first") and d.get("response_seconds") is not None
    ]
    every = [int(d["response_seconds"]) for _t, d in replies if d.get("response_seconds") is not None]
    target = s.first_reply_minutes * 60
    consults = [t for t in opened if t.kind == "consult"]
    # Inquiry conversion: customers who consulted this day and paid within 24 hours after their first consult.
    first_ask: dict[str, int] = {}
    for t in consults:
        ms = to_ms(t.created_at)
        first_ask[t.customer] = min(first_ask.get(t.customer, ms), ms)
    converted = 0
    if first_ask:
        pays = pays_between(
            db, workspace_id, list(first_ask), min(first_ask.values()), max(first_ask.values()) + CONVERSION_WINDOW_MS
        )
        converted = sum(
            1
            for user, asked in first_ask.items()
            if any(asked <= ts <= asked + CONVERSION_WINDOW_MS for ts in pays.get(user, []))
        )
    after_sales: dict[str, dict[str, int]] = {k: {"count": 0, "amount": 0} for k in AFTER_SALES}
    for t in opened:
        if t.kind in after_sales:
            after_sales[t.kind]["count"] += 1
            after_sales[t.kind]["amount"] += t.amount
    rated = list(
        db.scalars(
            select(Ticket.rating).where(
                Ticket.workspace_id == workspace_id, Ticket.rated_at >= start, Ticket.rated_at < end
            )
        ).all()
    )
    unhappy = sum(1 for r in rated if r is not None and r <= 2)
    breaches = db.execute(
        select(SlaBreach.clock, func.count())
        .where(SlaBreach.workspace_id == workspace_id, SlaBreach.at >= start, SlaBreach.at < end)
        .group_by(SlaBreach.clock)
    ).all()
    by_clock = {clock_name: int(n) for clock_name, n in breaches}
    cutoff = min(end, now)
    still_open = int(
        db.scalar(
            select(func.count()).where(
                Ticket.workspace_id == workspace_id,
                Ticket.created_at <= cutoff,
                or_(Ticket.status.in_(OPEN_STATUSES), Ticket.solved_at > cutoff),
                or_(Ticket.closed_at.is_(None), Ticket.closed_at > cutoff),
            )
        )
        or 0
    )
    questions = Counter((t.topic or "other") for t in consults)
    complaints = Counter((t.product or "—", t.topic or "other") for t in opened if t.kind == "complaint")
    products_asked = Counter(t.product for t in consults if t.product)
    data: dict[str, Any] = {
        "day": day.isoformat(),
        "timezone": s.timezone,
        "opened": len(opened),
        "consults": len(consults),
        "handled": len(handled),
        "solved": len(solved_ids),
        "replies": len(replies),
        "avg_first_reply_seconds": _ratio(sum(first), len(first)),
        "avg_response_seconds": _ratio(sum(every), len(every)),
        "first_reply_target_minutes": s.first_reply_minutes,
        "first_reply_rate": _ratio(sum(1 for x in first if x <= target), len(first)),
        "consulting_customers": len(first_ask),
        "converted_customers": converted,
        "inquiry_conversion": _ratio(converted, len(first_ask)),
        "after_sales": after_sales,
        "after_sales_amount": sum(v["amount"] for v in after_sales.values()),
        "rated": len(rated),
        "dissatisfied": unhappy,
        "dissatisfaction_rate": _ratio(unhappy, len(rated)),
        "sla_breaches": sum(by_clock.values()),
        "sla_breaches_by_clock": by_clock,
        "still_open": still_open,
        "top_questions": [{"topic": k, "count": n} for k, n in questions.most_common(10)],
        "top_products_asked": [{"product": k, "count": n} for k, n in products_asked.most_common(10)],
        "complaints_by_product": [
            {"product": p, "topic": topic, "count": n} for (p, topic), n in complaints.most_common(20)
        ],
    }
    return DailyReport(day.isoformat(), data)


LABELS: dict[str, dict[str, str]] = {
    "opened": {"zh-Hant": "新工單", "zh-Hans": "新工单", "en": "Tickets opened"},
    "consults": {"zh-Hant": "諮詢", "zh-Hans": "咨询", "en": "Consultations"},
    "handled": {"zh-Hant": "已處理工單", "zh-Hans": "已处理工单", "en": "Tickets handled"},
    "solved": {"zh-Hant": "已解決", "zh-Hans": "已解决", "en": "Solved"},
    "replies": {"zh-Hant": "回覆數", "zh-Hans": "回复数", "en": "Replies"},
    "avg_first_reply_seconds": {
        "zh-Hant": "平均首次響應(秒)",
        "zh-Hans": "平均首次响应(秒)",
        "en": "Avg first reply (s)",
    },
    "avg_response_seconds": {"zh-Hant": "平均響應(秒)", "zh-Hans": "平均响应(秒)", "en": "Avg response (s)"},
    "first_reply_rate": {"zh-Hant": "首響達標率", "zh-Hans": "首响达标率", "en": "First replies in target"},
    "inquiry_conversion": {"zh-Hant": "詢單轉化率", "zh-Hans": "询单转化率", "en": "Inquiry conversion"},
    "after_sales_amount": {"zh-Hant": "售後金額", "zh-Hans": "售后金额", "en": "After-sales amount"},
    "dissatisfaction_rate": {"zh-Hant": "不滿意率", "zh-Hans": "不满意率", "en": "Dissatisfaction rate"},
    "sla_breaches": {"zh-Hant": "SLA 超時", "zh-Hans": "SLA 超时", "en": "SLA breaches"},
    "still_open": {"zh-Hant": "未結工單", "zh-Hans": "未结工单", "en": "Still open"},
}


SECTIONS = {
    "after_sales": {"zh-Hant": "售後", "zh-Hans": "售后", "en": "After-sales"},
    "count": {"zh-Hant": "件數", "zh-Hans": "件数", "en": "Count"},
    "amount": {"zh-Hant": "金額", "zh-Hans": "金额", "en": "Amount"},
    "top_questions": {"zh-Hant": "常見問題", "zh-Hans": "常见问题", "en": "Top questions"},
    "complaints_by_product": {"zh-Hant": "各商品客訴", "zh-Hans": "各商品客诉", "en": "Complaints by product"},
    "topic": {"zh-Hant": "主題", "zh-Hans": "主题", "en": "Topic"},
}


def to_xlsx(report: DailyReport, lang: str) -> bytes:
    def label(key: str) -> str:
        return LABELS[key].get(lang, LABELS[key]["en"])

    def section(*keys: str) -> list[str]:
        return [SECTIONS[k].get(lang, SECTIONS[k]["en"]) for k in keys]

    d = report.data
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = report.day
    sheet.append(
        ["客服日報" if lang == "zh-Hant" else "客服日报" if lang == "zh-Hans" else "Service daily report", report.day]
    )
    sheet["A1"].font = Font(bold=True, size=14)
    for key in LABELS:
        value = d[key]
        if key.endswith("_amount"):
            value = value / 100
        sheet.append([label(key), value])
        if key.endswith(("rate", "conversion")) and value is not None:
            sheet.cell(sheet.max_row, 2).number_format = "0.0%"
    sheet.append([])
    sheet.append(section("after_sales", "count", "amount"))
    for kind, v in d["after_sales"].items():
        sheet.append([safe_cell(kind), v["count"], v["amount"] / 100])
    sheet.append([])
    sheet.append(section("top_questions", "count"))
    for row in d["top_questions"]:
        sheet.append([safe_cell(row["topic"]), row["count"]])
    sheet.append([])
    sheet.append(section("complaints_by_product", "topic", "count"))
    for row in d["complaints_by_product"]:
        sheet.append([safe_cell(row["product"]), safe_cell(row["topic"]), row["count"]])
    sheet.column_dimensions["A"].width = 28
    sheet.column_dimensions["B"].width = 16
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


def push_due(db: Session, clock: Clock, workspace_id: str) -> DailyReport | None:
    """At the workspace's report time, once a day: emit ``DailyReportReady`` for today (the comms feature posts
    it to the service channel). Returns the report when it was pushed."""
    from livecrew.core.events import emit
    from livecrew.core.pubsub import publish_after_commit, workspace_channel
    from livecrew.service.public import DailyReportReady

    s = config.settings_for(db, workspace_id)
    local = clock.now().astimezone(ZoneInfo(s.timezone))
    day = local.date()
    if s.last_report_day == day.isoformat() or local.strftime("%H:%M") < s.report_time:
        return None
    report = daily(db, clock, workspace_id, day)
    config.mark_reported(db, workspace_id, day.isoformat())
    emit(db, DailyReportReady(workspace_id=workspace_id, day=report.day, summary=report.summary()))
    publish_after_commit(
        db,
        workspace_channel(workspace_id),
        {"kind": "service.daily_report", "day": report.day, "summary": report.summary()},
    )
    return report
