"""Server-rendered SVG charts: geometry here, markup in templates/researcher/_charts.html."""
import math
import textwrap
from dataclasses import dataclass


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    label: str
    value: float
    text: str


def bars(items: list[tuple[str, float]], width: int = 600, height: int = 160, percent: bool = False,
         top: float | None = None) -> list[Bar]:
    """Vertical bars for (label, value) pairs, scaled to the largest value (or to `top`)."""
    if not items:
        return []
    top = top or max(value for _, value in items) or 1
    step = width / len(items)
    gap = min(step * 0.2, 8)
    out = []
    for index, (label, value) in enumerate(items):
        h = (value / top) * (height - 20)
        text = f"{value:.0%}" if percent else f"{value:g}"
        out.append(Bar(x=index * step + gap / 2, y=height - h, width=step - gap, height=h, label=label,
                       value=value, text=text))
    return out


#: Drawn at this width in the viewBox, a chart's text keeps about its size on a phone (where the SVG scales to
#: the page's width) and grows only a little on a wide screen (where the figure's width is capped).
NARROW = 360
#: A bar's label is wrapped at this many characters, on at most LABEL_LINES lines (the table holds it whole).
LABEL_CHARACTERS = 50
LABEL_LINES = 3


@dataclass(frozen=True)
class Row:
    """One horizontal bar: its label on the lines above it, its count after its end."""
    y: float
    #: Where the bar's top is.
    bar_y: float
    width: float
    lines: list[str]
    text: str
    suppressed: bool


def hbars(cells: list, width: int = NARROW) -> tuple[list[Row], int]:
    """Horizontal bars for cells (label, count or None when suppressed), scaled to the largest count shown; and
    the drawing's height. Long labels read well this way on a phone: each has the full width to itself, on as
    many as three lines."""
    room = width - 56  # for the count after the longest bar
    top = max((c.count for c in cells if c.count), default=0) or 1
    rows, y = [], 0
    for c in cells:
        lines = _lines(c.label)
        bar_y = y + 16 * len(lines) + 2
        rows.append(Row(y=y, bar_y=bar_y, width=room * (c.count or 0) / top, lines=lines,
                        text="suppressed" if c.count is None else f"{c.count:,}", suppressed=c.count is None))
        y = bar_y + 26
    return rows, y


@dataclass(frozen=True)
class Column:
    x: float
    y: float
    width: float
    height: float
    label: str
    text: str
    suppressed: bool
    #: Its label drawn under it (when there are too many to fit, every n-th only).
    labelled: bool


@dataclass(frozen=True)
class Histogram:
    columns: list[Column]
    #: (y, text) of the count axis' ticks.
    ticks: list[tuple[float, str]]
    width: int
    height: int
    left: float
    baseline: float
    #: Where the drawing starts: left of 0 when the first turned label reaches past the count axis' room.
    min_x: float
    #: The x-axis labels are turned to read upwards when they would overlap level.
    turned: bool
    values: bool


def histogram(cells: list, width: int = NARROW, plot_height: int = 150) -> Histogram:
    """Adjacent columns over cells in order (bins, periods), a count axis with round ticks and labels under the
    columns, as many as fit."""
    left, top_margin = 44.0, 18.0
    step = (width - left - 4) / max(len(cells), 1)
    longest = max((len(c.label) for c in cells), default=1)
    turned = longest * 6.5 > step
    every = max(1, math.ceil(18 / step)) if turned else 1  # turned labels need 18 units apart (13 across them)
    bottom = (longest * 6.5 * 0.71 + 14) if turned else 24
    ticks_step = _tick_step(max((c.count for c in cells if c.count), default=0))
    scale_top = ticks_step * max(1, math.ceil(max((c.count or 0 for c in cells), default=0) / ticks_step))
    baseline = top_margin + plot_height
    columns = []
    for index, c in enumerate(cells):
        h = plot_height * (c.count or 0) / scale_top
        columns.append(Column(x=left + index * step + 1, y=baseline - h, width=max(step - 2, 1), height=h,
                              label=c.label, text="s" if c.count is None else f"{c.count:,}",
                              suppressed=c.count is None, labelled=index % every == 0))
    ticks = [(baseline - plot_height * i * ticks_step / scale_top, f"{i * ticks_step:,}")
             for i in range(int(scale_top // ticks_step) + 1)]
    values = step >= 7 * max((len(col.text) for col in columns), default=1)
    min_x = min(0.0, left - (bottom - 14)) if turned else 0.0
    return Histogram(columns, ticks, width, int(baseline + bottom), left, baseline, min_x, turned, values)


def _tick_step(largest: int) -> int:
    """1, 2 or 5 times a power of ten, giving at most five ticks above zero."""
    power = 1
    while True:
        for step in (power, 2 * power, 5 * power):
            if largest <= 5 * step:
                return step
        power *= 10


def _lines(label: str) -> list[str]:
    lines = textwrap.wrap(label, LABEL_CHARACTERS) or [""]
    if len(lines) > LABEL_LINES:
        lines = lines[:LABEL_LINES]
        lines[-1] = lines[-1][:LABEL_CHARACTERS - 1].rstrip() + "…"
    return lines
