"""Tiny server-side SVG charts: bar, horizontal bar, funnel, heatmap and quartile plot. No JavaScript.

Every chart is a standalone, well-formed SVG element with ``role="img"``, a ``<title>`` and a
``<desc>`` (referenced by ``aria-labelledby``), visible text labels and values, and a ``<title>``
tooltip on each mark. Colour never carries information alone: every mark has its number written
next to or inside it. Pages put the same numbers in a table below each chart.

All text passes through ``_esc``; the functions return ``SafeString`` for templates.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from xml.sax.saxutils import escape

from django.utils.safestring import SafeString, mark_safe

FONT = "Noto Sans CJK SC, Source Han Sans SC, WenQuanYi Micro Hei, Microsoft YaHei, PingFang SC, sans-serif"
INK, MUTED, LINE = "#1f2328", "#5b636e", "#d8dde3"
BAR, BAR_ALT, MEDIAN = "#b3261e", "#0969da", "#1f2328"
FONT_SIZE = 12


def _esc(text) -> str:
    return escape(str(text), {'"': "&quot;"})


def fmt(value) -> str:
    """12 → '12', 12.5 → '12.5', 12.345 → '12.35'."""
    if value is None:
        return "—"
    if isinstance(value, int) or float(value).is_integer():
        return str(int(value))
    return f"{value:.2f}".rstrip("0").rstrip(".")


def text_width(text: str, size: int = FONT_SIZE) -> float:
    """Rough rendered width: CJK and full-width characters are one em, others about 0.6 em."""
    return sum(size if ord(ch) >= 0x2E80 else size * 0.6 for ch in str(text))


def _svg(chart_id: str, title: str, desc: str, width: float, height: float, body: list[str]) -> SafeString:
    width, height = math.ceil(width), math.ceil(height)
    head = (f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" id="{_esc(chart_id)}" width="{width}" '
            f'height="{height}" viewBox="0 0 {width} {height}" role="img" '
            f'aria-labelledby="{_esc(chart_id)}-title {_esc(chart_id)}-desc" font-family="{_esc(FONT)}" '
            f'font-size="{FONT_SIZE}" fill="{INK}">'
            f'<title id="{_esc(chart_id)}-title">{_esc(title)}</title>'
            f'<desc id="{_esc(chart_id)}-desc">{_esc(desc)}</desc>')
    return mark_safe(head + "".join(body) + "</svg>")  # noqa: S308 — every text above went through _esc


def _text(x, y, text, *, anchor="start", size=FONT_SIZE, fill=INK, weight=None, extra="") -> str:
    weight_attr = f' font-weight="{weight}"' if weight else ""
    return (f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" font-size="{size}" fill="{fill}"'
            f'{weight_attr}{extra}>{_esc(text)}</text>')


def _empty(chart_id: str, title: str, desc: str, width: int = 480) -> SafeString:
    return _svg(chart_id, title, desc, width, 40, [_text(8, 24, "暂无数据", fill=MUTED)])


def hbar_chart(chart_id: str, title: str, desc: str, items: Sequence[tuple[str, float]], *, unit: str = "",
               width: int = 640, color: str = BAR) -> SafeString:
    """One horizontal bar per (label, value), labels on the left, values after the bars."""
    if not items:
        return _empty(chart_id, title, desc, width)
    row, pad = 26, 6
    label_w = max(text_width(label) for label, _ in items) + 12
    value_w = max(text_width(fmt(value) + unit) for _, value in items) + 12
    area = max(width - label_w - value_w - pad, 60)
    top = max((value for _, value in items), default=0) or 1
    body = []
    for index, (label, value) in enumerate(items):
        y = pad + index * row
        length = area * (value / top) if value > 0 else 0
        body.append(f'<g><title>{_esc(label)}：{_esc(fmt(value))}{_esc(unit)}</title>')
        body.append(_text(label_w - 8, y + row / 2 + 4, label, anchor="end"))
        body.append(f'<rect x="{label_w:.1f}" y="{y + 4:.1f}" width="{length:.1f}" height="{row - 8}" '
                    f'fill="{color}" rx="2"/>')
        body.append(_text(label_w + length + 4, y + row / 2 + 4, fmt(value) + unit))
        body.append("</g>")
    body.append(f'<line x1="{label_w:.1f}" y1="{pad}" x2="{label_w:.1f}" y2="{pad + row * len(items)}" '
                f'stroke="{MUTED}"/>')
    return _svg(chart_id, title, desc, width, pad * 2 + row * len(items), body)


def bar_chart(chart_id: str, title: str, desc: str, items: Sequence[tuple[str, float]], *, unit: str = "",
              height: int = 220, color: str = BAR) -> SafeString:
    """Vertical bars with the category below and the value above each bar."""
    if not items:
        return _empty(chart_id, title, desc)
    column = max(56, max(text_width(label) for label, _ in items) + 16)
    left, top_pad, bottom = 10, 22, 28
    width = left * 2 + column * len(items)
    area = height - top_pad - bottom
    top = max((value for _, value in items), default=0) or 1
    base = height - bottom
    body = [f'<line x1="{left}" y1="{base}" x2="{width - left}" y2="{base}" stroke="{MUTED}"/>']
    for index, (label, value) in enumerate(items):
        x = left + index * column
        length = area * (value / top) if value > 0 else 0
        body.append(f'<g><title>{_esc(label)}：{_esc(fmt(value))}{_esc(unit)}</title>')
        body.append(f'<rect x="{x + 10:.1f}" y="{base - length:.1f}" width="{column - 20:.1f}" height="{length:.1f}" '
                    f'fill="{color}" rx="2"/>')
        body.append(_text(x + column / 2, base - length - 5, fmt(value) + unit, anchor="middle"))
        body.append(_text(x + column / 2, base + 18, label, anchor="middle"))
        body.append("</g>")
    return _svg(chart_id, title, desc, width, height, body)


def funnel_chart(chart_id: str, title: str, desc: str, stages: Sequence[tuple[str, int]], *,
                 width: int = 720) -> SafeString:
    """Centred bars, one per stage in order, each with its count and its share of the first stage."""
    if not stages:
        return _empty(chart_id, title, desc, width)
    row, pad = 28, 6
    label_w = max(text_width(label) for label, _ in stages) + 14
    value_w = text_width("0000（100%）") + 12
    area = max(width - label_w - value_w, 80)
    first = stages[0][1] or 1
    top = max(value for _, value in stages) or 1
    centre = label_w + area / 2
    body = []
    for index, (label, value) in enumerate(stages):
        y = pad + index * row
        length = max(area * value / top, 2 if value else 0)
        share = f"{value / first:.0%}" if stages[0][1] else "—"
        body.append(f'<g><title>{_esc(label)}：{value}（占第一阶段 {_esc(share)}）</title>')
        body.append(_text(label_w - 8, y + row / 2 + 4, label, anchor="end"))
        body.append(f'<rect x="{centre - length / 2:.1f}" y="{y + 3:.1f}" width="{length:.1f}" height="{row - 6}" '
                    f'fill="{BAR_ALT}" rx="3"/>')
        body.append(_text(label_w + area + 6, y + row / 2 + 4, f"{value}（{share}）"))
        body.append("</g>")
    return _svg(chart_id, title, desc, width, pad * 2 + row * len(stages), body)


def _heat_colour(value: int, top: int) -> tuple[str, str]:
    """White to brand red; dark text on light cells, white text on dark ones."""
    if value <= 0 or top <= 0:
        return "#f6f7f9", MUTED
    share = value / top
    r = round(255 + (179 - 255) * share)
    g = round(255 + (38 - 255) * share)
    b = round(255 + (30 - 255) * share)
    return f"#{r:02x}{g:02x}{b:02x}", ("#ffffff" if share > 0.55 else INK)


def heatmap(chart_id: str, title: str, desc: str, *, groups: Sequence[tuple[str, Sequence[tuple[str, Sequence[int]]]]],
            columns: Sequence[str]) -> SafeString:
    """Rows grouped under headings (group label, [(row label, one value per column)]); numbers in every cell."""
    if not columns or not groups:
        return _empty(chart_id, title, desc)
    cell_w, cell_h = 56, 24
    all_rows = [row for _, rows in groups for row in rows]
    label_w = max([text_width(label) for label, _ in all_rows] + [text_width(g) for g, _ in groups]) + 24
    header_h = max(text_width(column) for column in columns) * 0.72 + 16
    top = max((value for _, values in all_rows for value in values), default=0)
    body = []
    for index, column in enumerate(columns):
        x = label_w + index * cell_w + cell_w / 2
        body.append(_text(x, header_h - 6, column, extra=f' transform="rotate(-45 {x:.1f} {header_h - 6:.1f})"'))
    y = header_h
    for group, rows in groups:
        body.append(_text(4, y + cell_h - 8, group, weight="bold"))
        y += cell_h
        for label, values in rows:
            body.append(_text(16, y + cell_h - 8, label))
            for index, value in enumerate(values):
                x = label_w + index * cell_w
                fill, ink = _heat_colour(value, top)
                body.append(f'<g><title>{_esc(label)} × {_esc(columns[index])}：{value}</title>'
                            f'<rect x="{x + 1}" y="{y + 1:.1f}" width="{cell_w - 2}" height="{cell_h - 2}" '
                            f'fill="{fill}" stroke="{LINE}"/>'
                            + _text(x + cell_w / 2, y + cell_h - 8, value, anchor="middle", fill=ink) + "</g>")
            y += cell_h
    return _svg(chart_id, title, desc, label_w + cell_w * len(columns) + 8, y + 6, body)


def nice_ticks(low: float, high: float, count: int = 5) -> list[float]:
    """Round tick values covering [low, high]."""
    if high <= low:
        high = low + 1
    raw = (high - low) / count
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    start = math.floor(low / step) * step
    ticks = []
    value = start
    while value <= high + step * 1e-9:
        ticks.append(round(value, 10))
        value += step
    if ticks[-1] < high:
        ticks.append(round(value, 10))
    return ticks


def quartile_plot(chart_id: str, title: str, desc: str, rows: Sequence[tuple[str, int, object | None]], *,
                  unit: str = "", suppressed: str = "", width: int = 640) -> SafeString:
    """One row per group: a box from the lower to the upper quartile with a tick at the median — never an
    individual value. ``rows`` are (label, count, stats) where stats has ``q1``/``median``/``q3`` or is None for a
    group too small to describe, drawn as the ``suppressed`` text instead of a box."""
    if not rows:
        return _empty(chart_id, title, desc, width)
    row_h, pad, axis_h = 30, 8, 30
    label_w = max(text_width(label) for label, _, _ in rows) + 14
    shown = [figures for _, _, figures in rows if figures is not None]
    ticks = nice_ticks(min([0.0, *(f.q1 for f in shown)]), max([0.0, *(f.q3 for f in shown)])) if shown else [0.0, 1.0]
    low, high = ticks[0], ticks[-1]
    area = width - label_w - 24

    def x_of(value: float) -> float:
        return label_w + area * (value - low) / (high - low)

    body = []
    for index, (label, count, figures) in enumerate(rows):
        y = pad + index * row_h + row_h / 2
        body.append(_text(label_w - 8, y + 4, label, anchor="end"))
        if figures is None:
            body.append(_text(label_w + 4, y + 4, f"{suppressed}（{count}）", fill=MUTED, size=11))
            continue
        left, right = x_of(figures.q1), x_of(figures.q3)
        body.append(f'<rect x="{left:.1f}" y="{y - 7:.1f}" width="{max(right - left, 1.0):.1f}" height="14" '
                    f'fill="{BAR_ALT}" fill-opacity="0.35" stroke="{BAR_ALT}">'
                    f'<title>{_esc(label)}：{_esc(fmt(figures.q1))}–{_esc(fmt(figures.q3))}{_esc(unit)}'
                    f'（{count}）</title></rect>')
        body.append(f'<line x1="{x_of(figures.median):.1f}" y1="{y - 9:.1f}" x2="{x_of(figures.median):.1f}" '
                    f'y2="{y + 9:.1f}" stroke="{MEDIAN}" stroke-width="2"><title>{_esc(fmt(figures.median))}'
                    f'{_esc(unit)}</title></line>')
    base = pad + row_h * len(rows) + 4
    if shown:
        body.append(f'<line x1="{label_w:.1f}" y1="{base:.1f}" x2="{label_w + area:.1f}" y2="{base:.1f}" '
                    f'stroke="{MUTED}"/>')
        for tick in ticks:
            body.append(f'<line x1="{x_of(tick):.1f}" y1="{base:.1f}" x2="{x_of(tick):.1f}" y2="{base + 4:.1f}" '
                        f'stroke="{MUTED}"/>')
            body.append(_text(x_of(tick), base + 16, fmt(tick) + unit, anchor="middle", size=11, fill=MUTED))
    return _svg(chart_id, title, desc, width, base + axis_h, body)


def radar_chart(chart_id: str, title: str, desc: str, axes: Sequence[tuple[str, float, str]], *,
                size: int = 340) -> SafeString:
    """A radar of ``axes`` (label, share 0–1, value text written at the axis end): rings at 25 % steps."""
    if len(axes) < 3:
        return _empty(chart_id, title, desc, size)
    label_room = 70
    width, height = size + 2 * label_room, size + 40
    cx, cy, radius = width / 2, height / 2, size / 2 - 30
    count = len(axes)

    def point(index: int, share: float) -> tuple[float, float]:
        angle = -math.pi / 2 + 2 * math.pi * index / count
        return cx + radius * share * math.cos(angle), cy + radius * share * math.sin(angle)

    body = []
    for ring in (0.25, 0.5, 0.75, 1.0):
        ring_points = " ".join(f"{x:.1f},{y:.1f}" for x, y in (point(i, ring) for i in range(count)))
        body.append(f'<polygon points="{ring_points}" fill="none" stroke="{LINE}"/>')
    for index, (label, _share, value_text) in enumerate(axes):
        x, y = point(index, 1.0)
        body.append(f'<line x1="{cx:.1f}" y1="{cy:.1f}" x2="{x:.1f}" y2="{y:.1f}" stroke="{LINE}"/>')
        lx, ly = point(index, 1.18)
        anchor = "middle" if abs(lx - cx) < 8 else ("start" if lx > cx else "end")
        body.append(_text(lx, ly, label, anchor=anchor, weight="bold"))
        body.append(_text(lx, ly + 15, value_text, anchor=anchor, fill=MUTED))
    shape = [point(i, max(0.0, min(1.0, share))) for i, (_, share, _) in enumerate(axes)]
    body.append(f'<polygon points="{" ".join(f"{x:.1f},{y:.1f}" for x, y in shape)}" fill="{BAR_ALT}" '
                f'fill-opacity="0.25" stroke="{BAR_ALT}" stroke-width="2"/>')
    for (x, y), (label, _share, value_text) in zip(shape, axes, strict=True):
        body.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3.5" fill="{BAR_ALT}"><title>{_esc(label)}：'
                    f'{_esc(value_text)}</title></circle>')
    return _svg(chart_id, title, desc, width, height, body)
