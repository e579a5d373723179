"""The Venn diagram of a truth table: every configuration of two to five conditions has a
region, each region's label sits in exactly its shapes, and the SVG is well-formed with one
label per configuration."""
import math

import pytest
from lxml import etree

from apps.analysis.charts import VENN_EXTENT, VennRow, venn_diagram, venn_label_points, venn_shapes

SVG = "{http://www.w3.org/2000/svg}"


def inside(shape, x, y):
    """The ellipse equation, written out here again: ((x-cx)cosθ + (y-cy)sinθ)²/rx² +
    (-(x-cx)sinθ + (y-cy)cosθ)²/ry² < 1."""
    t = math.radians(shape.angle)
    u = (x - shape.cx) * math.cos(t) + (y - shape.cy) * math.sin(t)
    v = -(x - shape.cx) * math.sin(t) + (y - shape.cy) * math.cos(t)
    return u * u / shape.rx ** 2 + v * v / shape.ry ** 2 < 1


def configuration(shapes, x, y):
    return tuple(int(inside(shape, x, y)) for shape in shapes)


@pytest.mark.parametrize("n", [2, 3, 4, 5])
def test_every_configuration_has_a_region(n):
    shapes = venn_shapes(n)
    steps = 300
    seen = {configuration(shapes, -VENN_EXTENT + 2 * VENN_EXTENT * (i + 0.5) / steps,
                          -VENN_EXTENT + 2 * VENN_EXTENT * (j + 0.5) / steps)
            for i in range(steps) for j in range(steps)}
    assert len(seen) == 2 ** n


@pytest.mark.parametrize("n", [2, 3, 4, 5])
def test_each_label_point_lies_in_exactly_the_shapes_of_its_configuration(n):
    shapes = venn_shapes(n)
    points = venn_label_points(n)
    assert sorted(points) == list(range(2 ** n))
    for code, (x, y) in points.items():
        expected = tuple((code >> (n - 1 - i)) & 1 for i in range(n))  # the first condition the high bit
        assert configuration(shapes, x, y) == expected, (code, x, y)
    assert configuration(shapes, *points[0]) == (0,) * n  # the all-absent row lies outside every shape


def test_the_five_ellipses_are_congruent_and_turned_by_72_degrees_about_one_centre():
    shapes = venn_shapes(5)
    assert {(s.rx, s.ry) for s in shapes} == {(1, 0.55)}
    assert {round(math.hypot(s.cx, s.cy), 9) for s in shapes} == {0.3}
    turns = [s.angle for s in shapes]
    assert [round(b - a, 9) for a, b in zip(turns, turns[1:])] == [72] * 4


def test_more_than_five_sets_are_refused():
    with pytest.raises(ValueError, match="two to five"):
        venn_shapes(6)


def test_the_svg_has_one_label_per_configuration_with_its_cases_and_outcome():
    rows = [VennRow(values=(1, 0, 1), cases=("Kazakhstan 2022", "Kyrgyzstan <2010>"), outcome="C"),
            VennRow(values=(0, 0, 0), cases=("Armenia 2022",), outcome=0),
            VennRow(values=(1, 1, 1), cases=("Tajikistan 2021",), outcome=1)]
    svg = str(venn_diagram(title="Truth table for INT", conditions=["A", "B", "C & D"], rows=rows))
    root = etree.fromstring(svg.encode())  # well-formed, user text escaped
    regions = root.findall(f".//{SVG}g[@class='venn-region']")
    assert len(regions) == 8
    with_cases = {r.get("data-code"): r for r in regions if r.get("data-cases") != "0"}
    assert sorted(with_cases) == ["0", "5", "7"]  # one label per truth-table row with cases
    assert with_cases["5"].findtext(f"{SVG}title") == (
        "A*~B*C & D: 2 cases (Kazakhstan 2022, Kyrgyzstan <2010>), outcome C")
    assert with_cases["5"].findtext(f"{SVG}text") == "2\u2009·\u2009C"
    assert with_cases["0"].findtext(f"{SVG}title") == "~A*~B*~C & D: 1 case (Armenia 2022), outcome 0"
    remainder = next(r for r in regions if r.get("data-code") == "2")
    assert remainder.findtext(f"{SVG}title") == "~A*B*~C & D: 0 cases, a remainder"
    assert remainder.findtext(f"{SVG}text") == "0\u2009·\u2009?"
    names = [t.text for t in root.findall(f"{SVG}text[@class='venn-set']")]
    assert names == ["A", "B", "C & D"]
    assert root.get("role") == "img" and root.find(f"{SVG}title") is not None and root.find(f"{SVG}desc") is not None
