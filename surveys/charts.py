"""Server-rendered SVG charts: geometry here, markup in templates/researcher/_charts.html."""
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
