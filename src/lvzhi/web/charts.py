"""Charts drawn on the server as inline SVG: no script, no CDN, readable at 375 px (labels above their bars)."""
from __future__ import annotations

from markupsafe import Markup, escape

ROW = 34
WIDTH = 320


def bars(title: str, values: dict[str, float], unit: str = "") -> Markup:
    """Horizontal bars, one per key, the label above the bar and the number at its end."""
    if not values:
        return Markup(f'<p class="empty">{escape(title)}：暂无数据。</p>')
    top = max(values.values()) or 1
    parts = [f'<svg class="chart" role="img" aria-label="{escape(title)}" viewBox="0 0 {WIDTH} {ROW * len(values) + 4}"'
             ' width="100%" preserveAspectRatio="xMinYMin meet">']
    for index, (label, value) in enumerate(values.items()):
        y = ROW * index
        width = max(1.0, (WIDTH - 60) * value / top)
        shown = label if len(label) <= 22 else label[:21] + "…"
        parts.append(f'<text x="0" y="{y + 12}" font-size="12">{escape(shown)}</text>'
                     f'<rect x="0" y="{y + 16}" width="{width:.1f}" height="12" class="bar"><title>{escape(label)}：'
                     f'{value:g}{escape(unit)}</title></rect>'
                     f'<text x="{width + 4:.1f}" y="{y + 27}" font-size="12">{value:g}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


def columns(title: str, series: dict[str, dict[str, float]], names: dict[str, str]) -> Markup:
    """Grouped columns over months (keys of `series`), one colour per name, with a legend."""
    if not series:
        return Markup(f'<p class="empty">{escape(title)}：暂无数据。</p>')
    keys = list(names)
    top = max((v.get(k, 0) for v in series.values() for k in keys), default=0) or 1
    slot = WIDTH / len(series)
    bar = max(2.0, slot / (len(keys) + 1))
    height = 140
    parts = [f'<svg class="chart" role="img" aria-label="{escape(title)}" viewBox="0 0 {WIDTH} {height + 44}"'
             ' width="100%" preserveAspectRatio="xMinYMin meet">']
    for index, (month, values) in enumerate(series.items()):
        x0 = index * slot
        for k, key in enumerate(keys):
            value = values.get(key, 0)
            h = (height - 16) * value / top
            parts.append(f'<rect x="{x0 + k * bar:.1f}" y="{height - h:.1f}" width="{bar - 1:.1f}" height="{h:.1f}"'
                         f' class="bar s{k}"><title>{escape(month)} {escape(names[key])}：{value:g}</title></rect>')
        parts.append(f'<text x="{x0:.1f}" y="{height + 14}" font-size="10">{escape(month[2:])}</text>')
    for k, key in enumerate(keys):
        parts.append(f'<rect x="{k * 90}" y="{height + 26}" width="10" height="10" class="bar s{k}"></rect>'
                     f'<text x="{k * 90 + 14}" y="{height + 35}" font-size="11">{escape(names[key])}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))
