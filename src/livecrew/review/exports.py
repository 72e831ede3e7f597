"""The review as a file: a self-contained HTML page, a PDF (WeasyPrint, Chinese text in an embedded font) and a
workbook with native charts (xlsxwriter). All three read the one review object, so the numbers are the same.

The HTML and the PDF draw their charts as inline SVG (no script, nothing fetched); the PDF's fonts are the
system's CJK fonts (Debian's fonts-noto-cjk, installed by the Makefile), subset and embedded by WeasyPrint.
"""

from __future__ import annotations

import functools
import io
from html import escape
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from livecrew.core.sheets import safe_cell
from livecrew.web.i18n import Translator

TEMPLATE_DIR = Path(__file__).parent / "templates"
FONT_STACK = {
    "zh-Hant": '"Noto Sans CJK TC", "Noto Sans CJK SC", "Noto Sans CJK JP", sans-serif',
    "zh-Hans": '"Noto Sans CJK SC", "Noto Sans CJK TC", "Noto Sans CJK JP", sans-serif',
    "en": '"Noto Sans", "DejaVu Sans", "Noto Sans CJK TC", sans-serif',
}
RATIO_KEYS = frozenset(
    {
        "interaction_rate",
        "follow_rate",
        "refund_rate",
        "conversion_rate",
        "click_rate",
        "click_to_pay_rate",
        "rate_from_previous",
        "rate_from_top",
        "achieved",
        "vs_previous",
        "vs_median",
        "sell_through",
        "share",
        "attainment",
    }
)
MONEY_KEYS = frozenset(
    {"gmv", "net_gmv", "refund_amount", "gift_value", "ad_spend", "spend", "aov", "uv_value", "gpm",
     "gmv_per_explain_minute", "gmv_per_thousand_viewers", "gmv_before"}
)  # fmt: skip


class Formatter:
    """Numbers as the review shows them: money in the currency's unit from minor units, ratios as percents."""

    def __init__(self, t: Translator, currency: str) -> None:
        self.t = t
        self.currency = currency

    def money(self, minor: float | None) -> str:
        return "—" if minor is None else f"{minor / 100:,.2f}"

    def pct(self, value: float | None) -> str:
        return "—" if value is None else f"{value * 100:.1f}%"

    def num(self, value: Any) -> str:
        if value is None:
            return "—"
        if isinstance(value, float):
            return f"{value:,.2f}" if abs(value) < 1000 else f"{value:,.0f}"
        if isinstance(value, int):
            return f"{value:,}"
        return str(value)

    def value(self, key: str, value: Any) -> str:
        if key in RATIO_KEYS or key.endswith("_rate"):
            return self.pct(value)
        if key in MONEY_KEYS:
            return self.money(value)
        if key == "roi":
            return "—" if value is None else f"{value:.2f}"
        return self.num(value)

    def metric(self, key: str) -> str:
        label = self.t(f"review.m.{key}")
        return key if label == f"review.m.{key}" else label


# ------------------------------------------------------------------ SVG charts (HTML and PDF)


def _svg_open(width: int, height: int) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="100%" '
        f'preserveAspectRatio="xMidYMid meet" class="chart">'
    )


def minute_chart(minutes: list[dict[str, Any]], markers: list[dict[str, Any]], t: Translator) -> Markup:
    """Online at the end of each minute (line) over GMV per minute (bars), with marker ticks."""
    width, height, pad = 720, 220, 30
    n = max(1, len(minutes))
    top_online = max([m["online_end"] for m in minutes] + [1])
    top_gmv = max([m["gmv"] for m in minutes] + [1])
    step = (width - 2 * pad) / n
    parts = [_svg_open(width, height)]
    parts.append(f'<rect x="0" y="0" width="{width}" height="{height}" fill="#fff"/>')
    for i, m in enumerate(minutes):
        h = (height - 2 * pad) * m["gmv"] / top_gmv
        x = pad + i * step
        parts.append(
            f'<rect x="{x:.1f}" y="{height - pad - h:.1f}" width="{max(step * 0.8, 0.5):.1f}" height="{h:.1f}" '
            'fill="#f2b8a0"/>'
        )
    points = " ".join(
        f"{pad + (i + 0.4) * step:.1f},{height - pad - (height - 2 * pad) * m['online_end'] / top_online:.1f}"
        for i, m in enumerate(minutes)
    )
    parts.append(f'<polyline points="{points}" fill="none" stroke="#c2410c" stroke-width="1.6"/>')
    for mk in markers:
        x = pad + (mk["minute"] + 0.4) * step
        colour = {"explain": "#2563eb", "shelf": "#059669", "alert": "#dc2626", "incident": "#7c3aed"}.get(
            mk["kind"], "#a16207"
        )
        parts.append(f'<line x1="{x:.1f}" y1="{pad - 6}" x2="{x:.1f}" y2="{pad}" stroke="{colour}" stroke-width="1"/>')
    parts.append(
        f'<text x="{pad}" y="14" font-size="11" fill="#c2410c">— {escape(t("review.m.online_end"))} '
        f"({top_online:,})</text>"
        f'<text x="{width // 2}" y="14" font-size="11" fill="#b45309">▮ {escape(t("review.m.gmv"))} / '
        f"{escape(t('review.minute'))}</text>"
    )
    parts.append(
        f'<text x="{pad}" y="{height - 8}" font-size="10" fill="#555">0</text>'
        f'<text x="{width - pad - 20}" y="{height - 8}" font-size="10" fill="#555">{n}′</text></svg>'
    )
    return Markup("".join(parts))


def bar_chart(labels: list[str], series: list[tuple[str, list[float], str]]) -> Markup:
    """Grouped horizontal bars: one row per label, one bar per series (each scaled to its own maximum)."""
    row_h, width, left = 22, 720, 190
    height = 20 + row_h * max(1, len(labels)) * max(1, len(series))
    parts = [_svg_open(width, height)]
    y = 10
    for i, label in enumerate(labels):
        parts.append(f'<text x="4" y="{y + 14}" font-size="11" fill="#222">{escape(label[:28])}</text>')
        for name, values, colour in series:
            top = max([abs(v) for v in values] + [1])
            w = (width - left - 90) * abs(values[i]) / top
            parts.append(f'<rect x="{left}" y="{y + 3}" width="{w:.1f}" height="{row_h - 8}" fill="{colour}"/>')
            parts.append(
                f'<text x="{left + w + 4:.1f}" y="{y + 14}" font-size="10" fill="#333">'
                f"{escape(name)} {values[i]:,.0f}</text>"
            )
            y += row_h
    parts.append("</svg>")
    return Markup("".join(parts))


# ------------------------------------------------------------------ HTML and PDF


@functools.cache
def _environment() -> Environment:
    """One environment a process: its templates are compiled once, not for every export."""
    return Environment(loader=FileSystemLoader(str(TEMPLATE_DIR)), autoescape=select_autoescape(["html"]))


def html_page(review: dict[str, Any], lang: str, currency: str, *, for_pdf: bool = False) -> str:
    t = Translator(lang)
    f = Formatter(t, currency)
    minutes = review["minutes"]
    charts = {
        "minutes": minute_chart(minutes, review["markers"], t),
        "funnel": bar_chart(
            [t(f"review.funnel.{s['stage']}") for s in review["funnel"]],
            [(t("review.users"), [float(s["users"]) for s in review["funnel"]], "#c2410c")],
        ),
        "slots": bar_chart(
            [f"{s['from_minute']}–{s['to_minute']}′" for s in review["ad_slots"]["slots"]],
            [
                (t("review.m.ad_spend"), [s["spend"] / 100 for s in review["ad_slots"]["slots"]], "#94a3b8"),
                (t("review.m.gmv"), [s["gmv"] / 100 for s in review["ad_slots"]["slots"]], "#f97316"),
            ],
        ),
    }
    fonts = FONT_STACK.get(lang, FONT_STACK["en"])
    # The charts' text in the page's fonts: an SVG does not inherit the page's CSS, and its own default would set
    # their Chinese labels in another face of the CJK collection (the Japanese one: Japanese glyph forms, and
    # one more CJK font to subset and embed in the PDF).
    in_fonts = Markup(f'class="chart" font-family="{escape(fonts)}">')
    charts = {key: svg.replace(Markup('class="chart">'), in_fonts, 1) for key, svg in charts.items()}
    template = _environment().get_template("report.html")
    return template.render(
        r=review,
        t=t,
        f=f,
        lang=lang,
        currency=currency,
        charts=charts,
        fonts=fonts,
        for_pdf=for_pdf,
        core=(
            "gmv", "net_gmv", "uv", "pv", "peak_online", "avg_online", "avg_watch_seconds", "uv_value", "gpm",
            "conversion_rate", "click_rate", "click_to_pay_rate", "follow_rate", "buyers", "paid_orders", "aov",
            "refund_rate", "ad_spend", "roi",
        ),
    )  # fmt: skip


def pdf(review: dict[str, Any], lang: str, currency: str) -> bytes:
    from weasyprint import HTML

    document: bytes = HTML(string=html_page(review, lang, currency, for_pdf=True)).write_pdf()
    return document


# ------------------------------------------------------------------ XLSX


def xlsx(review: dict[str, Any], lang: str, currency: str) -> bytes:
    import xlsxwriter

    t = Translator(lang)
    f = Formatter(t, currency)
    buffer = io.BytesIO()
    # Every text is written as text: a show title, an action or a viewer's words that start with "=" never
    # become a formula or a link (xlsxwriter turns such strings into formulas unless told not to).
    book = xlsxwriter.Workbook(
        buffer,
        {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False},
    )
    bold = book.add_format({"bold": True, "bg_color": "#FDE7DA"})
    pct = book.add_format({"num_format": "0.0%"})
    money = book.add_format({"num_format": "#,##0.00"})
    title = book.add_format({"bold": True, "font_size": 14})

    def cell_format(key: str) -> Any:
        if key in RATIO_KEYS or key.endswith("_rate"):
            return pct
        if key in MONEY_KEYS:
            return money
        return None

    def number(key: str, value: Any) -> Any:
        if value is None:
            return None
        return value / 100 if key in MONEY_KEYS else value

    def table(sheet: Any, row: int, keys: list[str], rows: list[dict[str, Any]], labels: list[str]) -> int:
        for c, label in enumerate(labels):
            sheet.write(row, c, label, bold)
        for r, item in enumerate(rows, start=row + 1):
            for c, key in enumerate(keys):
                value = item.get(key)
                if isinstance(value, list | dict):
                    value = ", ".join(str(v.get("key", v)) if isinstance(v, dict) else str(v) for v in value)
                if value is None:
                    sheet.write_blank(r, c, None)
                elif isinstance(value, int | float) and not isinstance(value, bool):
                    sheet.write_number(r, c, number(key, value), cell_format(key))
                else:
                    sheet.write_string(r, c, safe_cell(str(value)))
        sheet.set_column(0, len(keys) - 1, 14)
        return row + 1 + len(rows)

    show = review["show"]
    m = review["metrics"]
    summary = book.add_worksheet(t("review.sheet.summary"))
    summary.write(0, 0, f"{t('review.title')}: {show['title']}", title)
    summary.write(1, 0, f"{t('review.room')}: {show['room'] or '—'}  ·  {t('review.state.' + review['state'])}")
    summary.write(2, 0, t("review.money_note", currency=currency))
    keys = ["gmv", "net_gmv", "uv", "pv", "peak_online", "avg_watch_seconds", "uv_value", "gpm", "conversion_rate",
            "click_rate", "click_to_pay_rate", "follow_rate", "buyers", "paid_orders", "aov", "refund_rate",
            "ad_spend", "roi"]  # fmt: skip
    rows = [
        {
            "label": f.metric(k),
            "value": m.get(k),
            "previous": next((c["previous"] for c in review["comparison"]["rows"] if c["metric"] == k), None),
            "median10": next((c["median10"] for c in review["comparison"]["rows"] if c["metric"] == k), None),
            "key": k,
        }
        for k in keys
    ]
    summary.write_row(4, 0, [f.metric("metric"), t("review.value"), t("review.previous"), t("review.median10")], bold)
    for r, item in enumerate(rows, start=5):
        summary.write(r, 0, item["label"])
        for c, col in enumerate(("value", "previous", "median10"), start=1):
            if item[col] is None:
                summary.write_blank(r, c, None)
            else:
                summary.write_number(r, c, number(item["key"], item[col]), cell_format(item["key"]))
    summary.set_column(0, 0, 26)
    summary.set_column(1, 3, 16)

    funnel = book.add_worksheet(t("review.sheet.funnel"))
    frows = [{**s, "label": t(f"review.funnel.{s['stage']}")} for s in review["funnel"]]
    end = table(funnel, 0, ["label", "users", "rate_from_previous", "rate_from_top"], frows,
                [t("review.stage"), t("review.users"), t("review.rate_prev"), t("review.rate_top")])  # fmt: skip
    chart = book.add_chart({"type": "bar"})
    chart.add_series(
        {
            "name": t("review.users"),
            "categories": [funnel.name, 1, 0, end - 1, 0],
            "values": [funnel.name, 1, 1, end - 1, 1],
            "fill": {"color": "#C2410C"},
        }
    )
    chart.set_title({"name": t("review.funnel")})
    chart.set_y_axis({"reverse": True})
    chart.set_legend({"none": True})
    funnel.insert_chart(end + 1, 0, chart)

    minutes = book.add_worksheet(t("review.sheet.minutes"))
    mkeys = ["minute", "online_end", "enters", "leaves", "comments", "paid_orders", "gmv"]
    end = table(minutes, 0, mkeys, review["minutes"], [f.metric(k) for k in mkeys])
    line = book.add_chart({"type": "line"})
    line.add_series(
        {
            "name": f.metric("online_end"),
            "categories": [minutes.name, 1, 0, end - 1, 0],
            "values": [minutes.name, 1, 1, end - 1, 1],
            "line": {"color": "#C2410C"},
        }
    )
    bars = book.add_chart({"type": "column"})
    bars.add_series(
        {
            "name": f.metric("gmv"),
            "categories": [minutes.name, 1, 0, end - 1, 0],
            "values": [minutes.name, 1, 6, end - 1, 6],
            "y2_axis": True,
            "fill": {"color": "#F2B8A0"},
        }
    )
    line.combine(bars)
    line.set_title({"name": t("review.curve")})
    line.set_size({"width": 900, "height": 360})
    minutes.insert_chart(1, 9, line)

    products = book.add_worksheet(t("review.sheet.products"))
    pkeys = ["product", "title", "views", "clicks", "click_rate", "conversion_rate", "buyers", "units", "gmv",
             "refund_amount", "sell_through", "explain_seconds", "gmv_per_explain_minute",
             "replace_reasons"]  # fmt: skip
    prows = [{**p, "replace_reasons": [r["key"] for r in p["replace_reasons"]]} for p in review["products"]]
    end = table(products, 0, pkeys, prows, [f.metric(k) for k in pkeys])
    if prows:
        pchart = book.add_chart({"type": "column"})
        pchart.add_series(
            {
                "name": f.metric("gmv"),
                "categories": [products.name, 1, 0, end - 1, 0],
                "values": [products.name, 1, 8, end - 1, 8],
                "fill": {"color": "#F97316"},
            }
        )
        pchart.set_title({"name": t("review.products")})
        products.insert_chart(end + 1, 0, pchart)

    slots = book.add_worksheet(t("review.sheet.ads"))
    skeys = ["from_minute", "to_minute", "spend", "gmv", "roi"]
    end = table(slots, 0, skeys, review["ad_slots"]["slots"], [f.metric(k) for k in skeys])
    schart = book.add_chart({"type": "column"})
    for series_col, colour in ((2, "#94A3B8"), (3, "#F97316")):
        schart.add_series(
            {
                "name": [slots.name, 0, series_col],
                "categories": [slots.name, 1, 0, end - 1, 0],
                "values": [slots.name, 1, series_col, end - 1, series_col],
                "fill": {"color": colour},
            }
        )
    schart.set_title({"name": t("review.ads")})
    slots.insert_chart(end + 1, 0, schart)

    traffic = book.add_worksheet(t("review.sheet.traffic"))
    tkeys = ["source", "viewers", "buyers", "gmv", "gmv_per_thousand_viewers", "conversion_rate"]
    end = table(traffic, 0, tkeys, review["traffic"]["sources"] + review["traffic"]["paid_vs_organic"],
                [f.metric(k) for k in tkeys])  # fmt: skip

    diag = book.add_worksheet(t("review.sheet.diagnosis"))
    r = 0
    diag.write(r, 0, t("review.weakest"), bold)
    for w in review["diagnosis"]["weakest"]:
        r += 1
        diag.write_row(r, 0, [f.metric(w["metric"]), f.value(w["metric"], w["value"]),
                              f.value(w["metric"], w["median"]), f"{w['index']:.2f}"])  # fmt: skip
    r += 2
    diag.write(r, 0, t("review.readings"), bold)
    for reading in review["diagnosis"]["readings"]:
        r += 1
        evidence = "; ".join(
            f"{f.metric(e['metric'])} = {f.value(e['metric'], e['value'])}" for e in reading["evidence"]
        )
        diag.write_row(r, 0, [reading["name"], reading["reading"], evidence])
    r += 2
    diag.write(r, 0, t("review.actions"), bold)
    diag.write_row(r + 1, 0, [t("review.problem"), t("review.cause"), t("review.action"), t("review.owner"),
                              t("review.due")], bold)  # fmt: skip
    for i, a in enumerate(review["actions"], start=r + 2):
        diag.write_row(i, 0, [a["problem"], a["cause"], a["action"], a["owner"], a["due_on"]])
    diag.set_column(0, 4, 28)

    cards = book.add_worksheet(t("review.sheet.scorecards"))
    row = 0
    for card in review["scorecards"]:
        score = "—" if card["score"] is None else f"{card['score']:.0f}"
        cards.write(row, 0, f"{card['name']} ({', '.join(card['roles'])}): {score}", bold)
        row += 1
        for k in card["kpis"]:
            values = [k["name"], f.value(k["metric"], k["actual"]), f.value(k["metric"], k["target"])]
            cards.write_row(row, 0, [*values, f.pct(k["attainment"]), k["weight"]])
            row += 1
        row += 1
    cards.set_column(0, 0, 30)
    book.close()
    return buffer.getvalue()


def render(review: dict[str, Any], fmt: str, lang: str, currency: str) -> bytes:
    if fmt == "pdf":
        return pdf(review, lang, currency)
    if fmt == "xlsx":
        return xlsx(review, lang, currency)
    if fmt == "html":
        return html_page(review, lang, currency).encode("utf-8")
    import orjson

    return orjson.dumps(review, option=orjson.OPT_INDENT_2 | orjson.OPT_NON_STR_KEYS)
