"""Charts drawn on the server as SVG: a bar chart of code frequencies and the matrix
heat-map. No chart library and nothing from another server; the SVG sits in the page,
prints as it is, and carries its own title, axis labels and a <title> tooltip on every
bar and cell (screen readers get the title and a description).

Every text that comes from users (code names, case names, values) is escaped here;
the result is marked safe only after that.
"""
from __future__ import annotations

import functools
import itertools
import math
from dataclasses import dataclass

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, 'Noto Sans', sans-serif"
INK, MUTED, GRID = "#1f2933", "#5f6b7a", "#d9dee5"
# Sequential blues, light to dark: heat 1..9 (0 is white). Dark cells take white text.
HEAT = ["#ffffff", "#eef4fb", "#d8e6f5", "#bcd4ee", "#9cc0e5", "#79a8d9", "#5790c9", "#3b76b3", "#285f98", "#1b4a7d"]
CHAR_WIDTH = 6.6  # average width of a 12px character, to lay out labels without a browser
_ids = itertools.count(1)


@dataclass
class Bar:
    label: str
    value: int
    depth: int = 0
    colour: str = "#345e8a"
    tooltip: str = ""


def _truncate(text: str, chars: int) -> str:
    return text if len(text) <= chars else text[: max(1, chars - 1)] + "…"


def _colour(value: str, default: str = "#345e8a") -> str:
    """A #rrggbb colour, or the default (colours come from the codebook)."""
    if isinstance(value, str) and len(value) == 7 and value[0] == "#" and all(
            c in "0123456789abcdefABCDEF" for c in value[1:]):
        return value
    return default


def _ticks(largest: int, count: int = 5) -> list[int]:
    """Round tick values from 0 to at least `largest`."""
    if largest <= 0:
        return [0, 1]
    raw = largest / count
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    step = max(1, int(math.ceil(step)))
    top = int(math.ceil(largest / step) * step)
    return list(range(0, top + 1, step))


def _open(width: float, height: float, title: str, description: str, css_class: str,
          *, links: bool = False) -> tuple[list[str], str]:
    """The chart's first elements. A chart with links in it is a group, not an image: an
    image's content is presentational, and links inside it would be controls nested in
    one (which screen readers cannot reach)."""
    n = next(_ids)
    title_id, desc_id = f"chart-{n}-title", f"chart-{n}-desc"
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart {css_class}" viewBox="0 0 {width:.0f} {height:.0f}" '
        f'width="{width:.0f}" height="{height:.0f}" role="{"group" if links else "img"}" aria-labelledby="{title_id} {desc_id}" '
        f'font-family="{FONT}" font-size="12" fill="{INK}">',
        f'<title id="{title_id}">{escape(title)}</title>',
        f'<desc id="{desc_id}">{escape(description)}</desc>',
        "<rect width=\"100%\" height=\"100%\" fill=\"#ffffff\"/>",
        f'<text class="chart-title" x="{width / 2:.0f}" y="22" text-anchor="middle" font-size="15" '
        f'font-weight="600">{escape(title)}</text>',
    ]
    return parts, title_id


def bar_chart(*, title: str, bars: list[Bar], x_label: str, y_label: str, description: str = "") -> SafeString:
    """Horizontal bars, one per code (indented by depth), values on the x axis."""
    label_chars = min(48, max((len(b.label) + 2 * b.depth for b in bars), default=8))
    left = 24 + label_chars * CHAR_WIDTH
    plot_width, bar_height, gap, top = 460, 16, 6, 44
    width = left + plot_width + 70
    height = top + max(1, len(bars)) * (bar_height + gap) + 56
    largest = max((b.value for b in bars), default=0)
    ticks = _ticks(largest)
    scale = plot_width / ticks[-1] if ticks[-1] else 0
    parts, _ = _open(width, height, title, description or f"{y_label} by {x_label}", "bar-chart")
    plot_bottom = top + len(bars) * (bar_height + gap)
    for tick in ticks:
        x = left + tick * scale
        parts.append(f'<line x1="{x:.1f}" y1="{top - 4}" x2="{x:.1f}" y2="{plot_bottom}" stroke="{GRID}"/>')
        parts.append(f'<text x="{x:.1f}" y="{plot_bottom + 14}" text-anchor="middle" fill="{MUTED}" '
                     f'font-size="11">{tick}</text>')
    for i, bar in enumerate(bars):
        y = top + i * (bar_height + gap)
        label = _truncate(bar.label, label_chars - 2 * bar.depth)
        tooltip = bar.tooltip or f"{bar.label}: {bar.value}"
        parts.append(f'<g class="bar"><title>{escape(tooltip)}</title>')
        parts.append(f'<text x="{left - 8 - 0:.1f}" y="{y + bar_height - 4}" text-anchor="end" '
                     f'font-weight="{600 if bar.depth == 0 else 400}">{escape(label)}</text>')
        bar_width = max(bar.value * scale, 0)
        parts.append(f'<rect x="{left:.1f}" y="{y}" width="{bar_width:.1f}" height="{bar_height}" '
                     f'fill="{_colour(bar.colour)}" stroke="#00000033"/>')
        parts.append(f'<text x="{left + bar_width + 5:.1f}" y="{y + bar_height - 4}" fill="{MUTED}">'
                     f'{bar.value}</text></g>')
    parts.append(f'<line x1="{left}" y1="{top - 4}" x2="{left}" y2="{plot_bottom}" stroke="{INK}"/>')
    parts.append(f'<text class="axis-label" x="{left + plot_width / 2:.0f}" y="{plot_bottom + 36}" '
                 f'text-anchor="middle" font-weight="600">{escape(x_label)}</text>')
    parts.append(f'<text class="axis-label" x="14" y="{(top + plot_bottom) / 2:.0f}" text-anchor="middle" '
                 f'font-weight="600" transform="rotate(-90 14 {(top + plot_bottom) / 2:.0f})">{escape(y_label)}</text>')
    parts.append("</svg>")
    return mark_safe("".join(parts))  # every user text above went through escape()


@dataclass
class HeatCell:
    count: int
    heat: int
    tooltip: str
    href: str = ""


def heatmap(*, title: str, row_labels: list[tuple[str, int]], column_labels: list[str],
            cells: list[list[HeatCell]], x_label: str, y_label: str, description: str = "") -> SafeString:
    """A grid of shaded cells with the count in each; rows are (label, depth)."""
    label_chars = min(44, max((len(label) + 2 * depth for label, depth in row_labels), default=8))
    col_chars = min(26, max((len(label) for label in column_labels), default=4))
    cell_w, cell_h = 64, 26
    left = 28 + label_chars * CHAR_WIDTH
    top = 56 + col_chars * CHAR_WIDTH * 0.72
    width = left + max(1, len(column_labels)) * cell_w + 30
    height = top + max(1, len(row_labels)) * cell_h + 70
    parts, _ = _open(width, height, title, description or f"{y_label} by {x_label}", "heatmap",
                     links=any(cell.href for row in cells for cell in row))
    for j, label in enumerate(column_labels):
        x = left + j * cell_w + cell_w / 2
        parts.append(f'<text x="{x:.1f}" y="{top - 8:.1f}" transform="rotate(-45 {x:.1f} {top - 8:.1f})" '
                     f'text-anchor="start"><title>{escape(label)}</title>{escape(_truncate(label, col_chars))}</text>')
    for i, (label, depth) in enumerate(row_labels):
        y = top + i * cell_h
        parts.append(f'<text x="{left - 8:.1f}" y="{y + cell_h / 2 + 4:.1f}" text-anchor="end" '
                     f'font-weight="{600 if depth == 0 else 400}"><title>{escape(label)}</title>'
                     f'{escape(_truncate(label, label_chars - 2 * depth))}</text>')
        for j, cell in enumerate(cells[i]):
            x = left + j * cell_w
            fill = HEAT[max(0, min(9, cell.heat))]
            text_fill = "#ffffff" if cell.heat >= 6 else INK
            rect = (f'<rect x="{x}" y="{y:.1f}" width="{cell_w}" height="{cell_h}" fill="{fill}" '
                    f'stroke="{GRID}"/>')
            number = (f'<text x="{x + cell_w / 2:.1f}" y="{y + cell_h / 2 + 4:.1f}" text-anchor="middle" '
                      f'fill="{text_fill}">{cell.count if cell.count else ""}</text>')
            inner = f'<title>{escape(cell.tooltip)}</title>{rect}{number}'
            if cell.href:
                parts.append(f'<a class="cell" href="{escape(cell.href)}">{inner}</a>')
            else:
                parts.append(f'<g class="cell">{inner}</g>')
    grid_bottom = top + len(row_labels) * cell_h
    parts.append(f'<text class="axis-label" x="{left + len(column_labels) * cell_w / 2:.0f}" '
                 f'y="{grid_bottom + 28:.0f}" text-anchor="middle" font-weight="600">{escape(x_label)}</text>')
    parts.append(f'<text class="axis-label" x="14" y="{(top + grid_bottom) / 2:.0f}" text-anchor="middle" '
                 f'font-weight="600" transform="rotate(-90 14 {(top + grid_bottom) / 2:.0f})">{escape(y_label)}</text>')
    legend_x, legend_y = left, grid_bottom + 42
    parts.append(f'<text x="{legend_x:.0f}" y="{legend_y + 11:.0f}" fill="{MUTED}" font-size="11">fewer</text>')
    for k in range(1, 10):
        parts.append(f'<rect x="{legend_x + 36 + (k - 1) * 14:.0f}" y="{legend_y}" width="14" height="12" '
                     f'fill="{HEAT[k]}" stroke="{GRID}"/>')
    parts.append(f'<text x="{legend_x + 36 + 9 * 14 + 6:.0f}" y="{legend_y + 11:.0f}" fill="{MUTED}" '
                 f'font-size="11">more</text>')
    parts.append("</svg>")
    return mark_safe("".join(parts))  # every user text above went through escape()


# --- the charts of the analysis pages ------------------------------------------------------

def frequencies_chart(rows, *, measure: str, rollup: bool) -> SafeString:
    """Bars of one measure per code (with sub-codes rolled up, or not)."""
    from .selectors import MEASURES

    field = {"segments": "segments", "experts": "experts", "words": "words"}[measure]
    bars = []
    for r in rows:
        value = getattr(r, f"total_{field}" if rollup else field)
        bars.append(Bar(label=r.code.name, value=value, depth=r.depth, colour=r.code.colour,
                        tooltip=f"{r.path}: {value} {MEASURES[measure].lower()}"))
    scope = " (with sub-codes)" if rollup else ""
    return bar_chart(title=f"{MEASURES[measure]} per code{scope}", bars=bars, x_label=MEASURES[measure],
                     y_label="Code", description=f"Bar chart of {MEASURES[measure].lower()} for each of "
                                                 f"{len(bars)} codes of the codebook{scope}.")


def matrix_heatmap(matrix, *, href=None) -> SafeString:
    """The code x case matrix as a heat-map; `href(row, column)` links a cell to its excerpts."""
    from .selectors import MEASURES

    unit = MEASURES[matrix.measure].lower()
    cells = []
    for row, line in matrix.lines():
        out = []
        for column, cell in zip(matrix.columns, line):
            values = "; ".join(f"{v} {len(e)} ({', '.join(e)})" for v, e in cell.values.items())
            tooltip = f"{row.path} × {column.label}: {cell.count} {unit}" + (f" — {values}" if values else "")
            out.append(HeatCell(count=cell.count, heat=cell.heat, tooltip=tooltip,
                                href=href(row, column) if href and cell.segments else ""))
        cells.append(out)
    title = f"{MEASURES[matrix.measure]}: codes × {matrix.column_title.lower()}"
    return heatmap(title=title, row_labels=[(r.code.name, r.depth) for r in matrix.rows],
                   column_labels=[c.label for c in matrix.columns], cells=cells, x_label=matrix.column_title,
                   y_label="Code", description=f"Heat-map of {unit} for {len(matrix.rows)} codes and "
                                               f"{len(matrix.columns)} {matrix.column_title.lower()}; darker "
                                               "cells hold more.")


def cooccurrence_heatmap(result, *, href=None) -> SafeString:
    cells = []
    for row, line in result.lines():
        out = []
        for column, cell in zip(result.rows, line):
            tooltip = ("—" if cell.diagonal else
                       f"{cell.count} segments coded {row.path} overlap a segment coded {column.path}")
            out.append(HeatCell(count=0 if cell.diagonal else cell.count, heat=0 if cell.diagonal else cell.heat,
                                tooltip=tooltip,
                                href=href(row, column) if href and cell.count and not cell.diagonal else ""))
        cells.append(out)
    scope = f" in {result.case.name}" if result.case else ""
    return heatmap(title=f"Code co-occurrence{scope}", row_labels=[(r.code.name, r.depth) for r in result.rows],
                   column_labels=[r.code.name for r in result.rows], cells=cells,
                   x_label="…overlapping a segment coded", y_label="Segments coded",
                   description="Heat-map of how many segments of each code overlap a segment of each other code.")


@dataclass
class Dot:
    x: float
    y: float
    label: str
    tooltip: str
    href: str = ""


def scatter_plot(*, title: str, dots: list[Dot], x_label: str, y_label: str, description: str = "",
                 diagonal: bool = True) -> SafeString:
    """Dots on a square plot of two memberships from 0 to 1, each labelled, with the
    diagonal (a dot above it is consistent with sufficiency of x for y, below it with
    necessity). Dots with a link make the chart a group of links."""
    size, left, top = 420, 64, 44
    width, height = left + size + 150, top + size + 60
    parts, _ = _open(width, height, title, description or f"{y_label} against {x_label}", "scatter-plot",
                     links=any(dot.href for dot in dots))

    def at(x: float, y: float) -> tuple[float, float]:
        return left + x * size, top + (1 - y) * size

    for tick in (0, 0.25, 0.5, 0.75, 1):
        x0, y0 = at(tick, 0)
        x1, y1 = at(0, tick)
        parts.append(f'<line x1="{x0:.1f}" y1="{top}" x2="{x0:.1f}" y2="{top + size}" stroke="{GRID}"/>')
        parts.append(f'<line x1="{left}" y1="{y1:.1f}" x2="{left + size}" y2="{y1:.1f}" stroke="{GRID}"/>')
        parts.append(f'<text x="{x0:.1f}" y="{top + size + 16}" text-anchor="middle" fill="{MUTED}" '
                     f'font-size="11">{tick:g}</text>')
        parts.append(f'<text x="{left - 8}" y="{y1 + 4:.1f}" text-anchor="end" fill="{MUTED}" '
                     f'font-size="11">{tick:g}</text>')
    parts.append(f'<rect x="{left}" y="{top}" width="{size}" height="{size}" fill="none" stroke="{INK}"/>')
    if diagonal:
        (x0, y0), (x1, y1) = at(0, 0), at(1, 1)
        parts.append(f'<line class="diagonal" x1="{x0}" y1="{y0}" x2="{x1}" y2="{y1}" stroke="{MUTED}" '
                     f'stroke-dasharray="6 4"/>')
    seen: dict[tuple[float, float], int] = {}
    centres = []
    for dot in dots:
        x, y = at(min(1, max(0, dot.x)), min(1, max(0, dot.y)))
        # cases at the same point are drawn side by side, so that each dot can be seen and clicked
        place = (round(x), round(y))
        shift = seen.get(place, 0)
        seen[place] = shift + 1
        centres.append((x + 15 * shift, y))
    # boxes (x0, y0, x1, y1) a label must not cover: every dot, then each label placed
    taken = [(x - 8, y - 8, x + 8, y + 8) for x, y in centres]
    for dot, (x, y) in zip(dots, centres):
        text = _truncate(dot.label, 22)
        text_width = len(text) * CHAR_WIDTH * 0.92
        label_x = x + 10 if x + 10 + text_width < left + size + 140 else x - 10 - text_width
        label_y = y + 4
        for _ in range(12):  # upwards, as below the plot are the ticks
            box = (label_x, label_y - 10, label_x + text_width, label_y + 2)
            if not any(box[0] < b[2] and b[0] < box[2] and box[1] < b[3] and b[1] < box[3] for b in taken):
                break
            label_y -= 12
        taken.append((label_x, label_y - 10, label_x + text_width, label_y + 2))
        inner = (f'<title>{escape(dot.tooltip)}</title>'
                 f'<circle cx="{x:.1f}" cy="{y:.1f}" r="7" fill="#345e8a" fill-opacity="0.8" stroke="#ffffff"/>'
                 f'<text x="{label_x:.1f}" y="{label_y:.1f}" font-size="11">{escape(text)}</text>')
        if dot.href:
            parts.append(f'<a class="dot" href="{escape(dot.href)}">{inner}</a>')
        else:
            parts.append(f'<g class="dot">{inner}</g>')
    parts.append(f'<text class="axis-label" x="{left + size / 2:.0f}" y="{top + size + 40}" text-anchor="middle" '
                 f'font-weight="600">{escape(_truncate(x_label, 70))}</text>')
    parts.append(f'<text class="axis-label" x="16" y="{top + size / 2:.0f}" text-anchor="middle" font-weight="600" '
                 f'transform="rotate(-90 16 {top + size / 2:.0f})">{escape(_truncate(y_label, 60))}</text>')
    parts.append("</svg>")
    return mark_safe("".join(parts))  # every user text above went through escape()


# --- the Venn diagram of a truth table -----------------------------------------------------

@dataclass(frozen=True)
class VennShape:
    """An ellipse (a circle when rx == ry) in the diagram's own units, y pointing down as in
    SVG, turned by `angle` degrees about its centre as SVG's rotate() turns it."""

    cx: float
    cy: float
    rx: float
    ry: float
    angle: float = 0.0

    def contains(self, x: float, y: float) -> bool:
        turn = math.radians(self.angle)
        dx, dy = x - self.cx, y - self.cy
        u = dx * math.cos(turn) + dy * math.sin(turn)
        v = -dx * math.sin(turn) + dy * math.cos(turn)
        return (u / self.rx) ** 2 + (v / self.ry) ** 2 < 1


def venn_shapes(n: int) -> tuple[VennShape, ...]:
    """Shapes whose overlaps give all 2^n regions: circles for two and three sets, the classic
    four ellipses (two pairs tilted towards each other), and for five Grünbaum's symmetric
    diagram, one ellipse turned by 72° about the common centre for each set. The axes and
    offsets were chosen by sampling for the largest smallest region; a test checks that
    every region exists."""
    if n == 2:
        return (VennShape(-0.5, 0, 0.9, 0.9), VennShape(0.5, 0, 0.9, 0.9))
    if n == 3:
        return tuple(VennShape(0.55 * math.cos(t), -0.55 * math.sin(t), 0.9, 0.9)
                     for t in (math.radians(a) for a in (150, 30, 270)))
    if n == 4:
        return (VennShape(-0.35, 0.125, 1, 0.55, 40), VennShape(-0.1, -0.125, 1, 0.55, 40),
                VennShape(0.1, -0.125, 1, 0.55, -40), VennShape(0.35, 0.125, 1, 0.55, -40))
    if n == 5:
        shapes = []
        for k in range(5):
            turn = -90 + 72 * k  # the first ellipse above the centre, the others clockwise
            t = math.radians(turn)
            shapes.append(VennShape(0.3 * math.cos(t), 0.3 * math.sin(t), 1, 0.55, turn + 15))
        return tuple(shapes)
    raise ValueError(f"a Venn diagram is drawn for two to five sets, not {n}")


VENN_EXTENT = 1.45
"""Half the side of the square (in the shapes' units) that holds every shape with a margin."""


def venn_code(shapes: tuple[VennShape, ...], x: float, y: float) -> int:
    """The region of a point: one bit per shape, the first shape the most significant bit
    (the truth table's order of conditions)."""
    code = 0
    for shape in shapes:
        code = code << 1 | shape.contains(x, y)
    return code


@functools.cache
def venn_label_points(n: int, steps: int = 120) -> dict[int, tuple[float, float]]:
    """A point well inside each region: a grid over the diagram, and in each region the grid
    point farthest (in grid steps) from the region's border or the grid's edge. Pure and
    deterministic; cached, as the shapes never change."""
    shapes = venn_shapes(n)
    step = 2 * VENN_EXTENT / steps
    at = [-VENN_EXTENT + (i + 0.5) * step for i in range(steps)]
    codes = [[venn_code(shapes, x, y) for x in at] for y in at]
    distance = [[-1] * steps for _ in range(steps)]
    frontier = []
    for r in range(steps):
        for c in range(steps):
            edge = r in (0, steps - 1) or c in (0, steps - 1) or any(
                codes[r + dr][c + dc] != codes[r][c] for dr, dc in ((1, 0), (-1, 0), (0, 1), (0, -1)))
            if edge:
                distance[r][c] = 0
                frontier.append((r, c))
    while frontier:  # breadth first from every border at once
        following = []
        for r, c in frontier:
            for dr, dc in ((1, 0), (-1, 0), (0, 1), (0, -1)):
                rr, cc = r + dr, c + dc
                if 0 <= rr < steps and 0 <= cc < steps and distance[rr][cc] < 0:
                    distance[rr][cc] = distance[r][c] + 1
                    following.append((rr, cc))
        frontier = following
    best: dict[int, tuple[int, float, float]] = {}
    for r in range(steps):
        for c in range(steps):
            code = codes[r][c]
            if code not in best or distance[r][c] > best[code][0]:
                best[code] = (distance[r][c], at[c], at[r])
    return {code: (x, y) for code, (_, x, y) in best.items()}


@dataclass(frozen=True)
class VennRow:
    """One configuration of the truth table: a value (0/1) per condition, its cases in kind,
    and its outcome label (1, 0, "C", or "?" for a remainder)."""

    values: tuple[int, ...]
    cases: tuple[str, ...]
    outcome: int | str


VENN_COLOURS = ["#345e8a", "#a35d00", "#28703f", "#7b3f98", "#b42318"]
# the truth table's row colours on the page (comparison.css), with a border that tells them apart
VENN_LABEL = {"1": ("#e7f5ec", "#28703f"), "C": ("#fdecea", "#b42318"), "0": ("#ffffff", INK),
              "?": ("#ffffff", MUTED)}


def venn_configuration(conditions: tuple[str, ...] | list[str], values: tuple[int, ...]) -> str:
    """A configuration as a product, e.g. A*~B*C."""
    return "*".join(name if value else f"~{name}" for name, value in zip(conditions, values))


def venn_diagram(*, title: str, conditions: list[str], rows: list[VennRow], description: str = "") -> SafeString:
    """The truth table as a Venn diagram: one shape per condition, and in each of the 2^n
    regions (the one outside every shape is the configuration with every condition absent)
    the number of cases in kind and the row's outcome, with the configuration and its cases
    as a tooltip. Configurations missing from `rows` are remainders without cases."""
    n = len(conditions)
    shapes = venn_shapes(n)
    points = venn_label_points(n)
    scale, margin, top = (170 if n < 5 else 210), 90, 40  # five sets make small regions: drawn larger
    width, height = 2 * VENN_EXTENT * scale + 2 * margin, top + 2 * VENN_EXTENT * scale + 36

    def at(x: float, y: float) -> tuple[float, float]:
        return margin + (x + VENN_EXTENT) * scale, top + (y + VENN_EXTENT) * scale

    by_code = {}
    for row in rows:
        code = 0
        for value in row.values:
            code = code << 1 | bool(value)
        by_code[code] = row
    parts, _ = _open(width, height, title, description or f"Venn diagram of the truth table of {n} conditions",
                     "venn-diagram")
    for shape, colour in zip(shapes, VENN_COLOURS):
        cx, cy = at(shape.cx, shape.cy)
        parts.append(f'<ellipse cx="{cx:.1f}" cy="{cy:.1f}" rx="{shape.rx * scale:.1f}" ry="{shape.ry * scale:.1f}" '
                     f'transform="rotate({shape.angle:g} {cx:.1f} {cy:.1f})" fill="{colour}" fill-opacity="0.07" '
                     f'stroke="{colour}" stroke-width="1.5"/>')
    for i, (shape, colour, name) in enumerate(zip(shapes, VENN_COLOURS, conditions)):
        # the shape's name beyond its point farthest from the diagram's centre
        turn = math.radians(shape.angle)
        far = max(((shape.cx + shape.rx * math.cos(t) * math.cos(turn) - shape.ry * math.sin(t) * math.sin(turn),
                    shape.cy + shape.rx * math.cos(t) * math.sin(turn) + shape.ry * math.sin(t) * math.cos(turn))
                   for t in (math.radians(d) for d in range(0, 360, 5))), key=lambda p: math.hypot(*p))
        length = math.hypot(*far) or 1
        x, y = at(far[0] + 0.1 * far[0] / length, far[1] + 0.1 * far[1] / length)
        anchor = "middle" if abs(far[0]) < 0.3 * length else ("start" if far[0] > 0 else "end")
        parts.append(f'<text class="venn-set" x="{x:.1f}" y="{y + 4:.1f}" text-anchor="{anchor}" fill="{colour}" '
                     f'font-weight="600">{escape(_truncate(name, 24))}</text>')
    font = 11 if n < 5 else 10
    for code in range(1 << n):
        row = by_code.get(code)
        values = tuple((code >> (n - 1 - i)) & 1 for i in range(n))
        cases = row.cases if row else ()
        outcome = str(row.outcome) if row else "?"
        listed = ", ".join(cases[:6]) + (", …" if len(cases) > 6 else "")
        tooltip = (f"{venn_configuration(conditions, values)}: {len(cases)} case{'' if len(cases) == 1 else 's'}"
                   + (f" ({listed})" if cases else "")
                   + (", a remainder" if outcome == "?" else f", outcome {outcome}"))
        fill, stroke = VENN_LABEL.get(outcome, VENN_LABEL["0"])
        text = f"{len(cases)}\u2009·\u2009{outcome}"  # thin spaces: the labels of small regions stay apart
        box = len(text) * font * 0.5 + 6
        x, y = at(*points[code])
        parts.append(f'<g class="venn-region" data-code="{code}" data-cases="{len(cases)}"><title>{escape(tooltip)}</title>'
                     f'<rect x="{x - box / 2:.1f}" y="{y - font * 0.8:.1f}" width="{box:.1f}" height="{font * 1.5:.1f}" '
                     f'rx="3" fill="{fill}" stroke="{stroke}"/>'
                     f'<text x="{x:.1f}" y="{y + font * 0.35:.1f}" text-anchor="middle" font-size="{font}" '
                     f'fill="{INK if outcome != "?" else MUTED}">{escape(text)}</text></g>')
    parts.append(f'<text x="{width / 2:.0f}" y="{height - 12:.0f}" text-anchor="middle" fill="{MUTED}" font-size="11">'
                 'In each region: cases in kind · outcome (1, 0, C; ? a remainder)</text>')
    parts.append("</svg>")
    return mark_safe("".join(parts))  # every user text above went through escape()
