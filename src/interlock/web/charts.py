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


def interval_chart(
    data: Sequence[tuple[str, float, float, float]],
    *,
    target: float | None = None,
    width: int = 520,
    height: int = 150,
) -> Markup:
    """One point per ``(label, value, low, high)`` with a whisker from low to high, and a target line.

    The vertical axis runs from the lowest bound shown (rounded down to a tenth, at most
    0.9) to 1, so a precision near 1 is not squeezed against the top.
    """
    if not data:
        return Markup('<p class="muted">no decided samples yet</p>')
    floor = min(*(low for _, _, low, _ in data), target if target is not None else 1.0)
    bottom = min(0.9, int(floor * 10) / 10)
    step = width / len(data)

    def y(value: float) -> float:
        return height - height * (value - bottom) / (1.0 - bottom)

    parts = [
        f'<svg class="chart" role="img" width="{width}" height="{height + 16}" '
        f'viewBox="0 0 {width} {height + 16}" xmlns="http://www.w3.org/2000/svg">'
    ]
    if target is not None:
        parts.append(
            f'<line x1="0" x2="{width}" y1="{y(target):.1f}" y2="{y(target):.1f}" stroke="{PALETTE[2]}" '
            f'stroke-dasharray="4 3"><title>target {target:.1%}</title></line>'
        )
    for i, (label, value, low, high) in enumerate(data):
        x = i * step + step / 2
        title = f"{escape(label)}: {value:.1%} ({low:.1%} to {high:.1%})"
        parts.append(
            f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{y(high):.1f}" y2="{y(low):.1f}" stroke="{PALETTE[0]}" '
            f'stroke-width="2"><title>{title}</title></line>'
            f'<circle cx="{x:.1f}" cy="{y(value):.1f}" r="3.5" fill="{PALETTE[0]}"><title>{title}</title></circle>'
        )
    parts.append(f'<text x="{width}" y="11" font-size="11" text-anchor="end">100%</text>')
    parts.append(f'<text x="{width}" y="{height - 2}" font-size="11" text-anchor="end">{bottom:.0%}</text>')
    parts.append(f'<text x="0" y="{height + 13}" font-size="11">{escape(data[0][0])}</text>')
    parts.append(
        f'<text x="{width}" y="{height + 13}" font-size="11" text-anchor="end">{escape(data[-1][0])}</text>'
    )
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every label and value is escaped above
