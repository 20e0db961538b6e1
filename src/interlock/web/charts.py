"""Tiny inline SVG charts: no script, no build step, readable without a browser plug-in."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from markupsafe import Markup, escape

PALETTE = ("#2b6cb0", "#2f855a", "#c05621", "#6b46c1", "#b83280", "#4a5568")


def bar_chart(
    data: Sequence[tuple[str, float]], *, width: int = 340, bar: int = 22, unit: str = ""
) -> Markup:
    """Horizontal bars, one per ``(label, value)``, scaled to the largest value."""
    if not data:
        return Markup('<p class="muted">no data yet</p>')
    top = max(v for _, v in data) or 1.0
    label_w, gap = 110, 6
    height = len(data) * (bar + gap)
    parts = [
        f'<svg class="chart" role="img" width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
        'xmlns="http://www.w3.org/2000/svg">'
    ]
    for i, (label, value) in enumerate(data):
        y = i * (bar + gap)
        w = max(1.0, (width - label_w - 70) * value / top)
        color = PALETTE[i % len(PALETTE)]
        shown = f"{value:g}{unit}"
        parts.append(
            f'<text x="0" y="{y + bar * 0.7:.1f}" font-size="12">{escape(label)}</text>'
            f'<rect x="{label_w}" y="{y}" width="{w:.1f}" height="{bar}" fill="{color}">'
            f"<title>{escape(label)}: {escape(shown)}</title></rect>"
            f'<text x="{label_w + w + 4:.1f}" y="{y + bar * 0.7:.1f}" font-size="12">{escape(shown)}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every label and value is escaped above


def column_chart(data: Sequence[tuple[str, float]], *, width: int = 320, height: int = 120) -> Markup:
    """Vertical columns over time (labels under the first and last column only)."""
    if not data:
        return Markup('<p class="muted">no data yet</p>')
    top = max(v for _, v in data) or 1.0
    step = width / len(data)
    parts = [
        f'<svg class="chart" role="img" width="{width}" height="{height + 16}" '
        f'viewBox="0 0 {width} {height + 16}" xmlns="http://www.w3.org/2000/svg">'
    ]
    for i, (label, value) in enumerate(data):
        h = height * value / top
        parts.append(
            f'<rect x="{i * step + 1:.1f}" y="{height - h:.1f}" width="{max(1.0, step - 2):.1f}" '
            f'height="{h:.1f}" fill="{PALETTE[0]}"><title>{escape(label)}: {value:g}</title></rect>'
        )
    parts.append(f'<text x="{width}" y="11" font-size="11" text-anchor="end">peak {top:g}</text>')
    parts.append(f'<text x="0" y="{height + 13}" font-size="11">{escape(data[0][0])}</text>')
    parts.append(
        f'<text x="{width}" y="{height + 13}" font-size="11" text-anchor="end">{escape(data[-1][0])}</text>'
    )
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every label and value is escaped above


#: Bucket widths a throughput chart may use, in seconds, and how each labels its buckets.
_WIDTHS = (
    (1, "%H:%M:%S"),
    (5, "%H:%M:%S"),
    (15, "%H:%M:%S"),
    (60, "%H:%M"),
    (300, "%H:%M"),
    (900, "%H:%M"),
    (3600, "%m-%d %H:00"),
)


def time_buckets(counts: Sequence[tuple[datetime, int]], *, columns: int = 40) -> list[tuple[str, int]]:
    """Counts per second regrouped into at most about ``columns`` buckets of a round width.

    A fixed hourly bucket draws a whole demo run (minutes long) as one block; choosing the
    width from the span of the data keeps the chart's shape readable at any scale, from a
    burst of seconds to a full day. Empty buckets inside the span are kept (as zero).
    """
    if not counts:
        return []
    start = min(t for t, _ in counts)
    span = (max(t for t, _ in counts) - start).total_seconds() + 1
    width, fmt = next(((w, f) for w, f in _WIDTHS if span / w <= columns), _WIDTHS[-1])
    origin = start.timestamp() // width * width
    totals: dict[int, int] = {}
    for t, n in counts:
        index = int((t.timestamp() - origin) // width)
        totals[index] = totals.get(index, 0) + n
    last = max(totals)
    return [
        (datetime.fromtimestamp(origin + i * width, tz=UTC).strftime(fmt), totals.get(i, 0))
        for i in range(last + 1)
    ]
