"""The plain border of a table cell drawn without WeasyPrint's general border machinery.

Every cell of a certificate's annex has a uniform border (``assets/pdf.css``: the same width, solid
style and colour on all four sides, square corners), which WeasyPrint (70) draws as a filled
ring: the padding box and the border box as two rectangles, filled even-odd. To find that out it
reads a dozen properties, hashes the four colours into a set (tinycss2 colours hash in Python),
enters two context managers and computes both boxes with their (zero) radii: ~350 times per
50-item certificate, more than the ring costs to write.

:func:`draw_border`, inside :func:`enabled` only (``documents.rendering.html_to_pdf``), writes
the very same operators for such a box (the colours are one colour, the style ``solid``, the
widths non-zero, the radii zero, no tagged PDF) and hands every other box to WeasyPrint's own
``draw_border``; a box without border, border image or column rules (most boxes) returns at once,
and :func:`draw_outline` goes straight to the children of a box without outline.
The PDFs are byte for byte WeasyPrint's own (tests/documents pin it).
"""

from math import copysign

from weasyprint import draw as weasy_draw
from weasyprint.draw import border as weasy_border
from weasyprint.formatting_structure import boxes

from .shortcut import Switch

_active = Switch("documents_borders_active")
_weasyprint_draw_border = weasy_border.draw_border
SQUARE = (0, 0)
plain = 0  # borders drawn here (tests)


enabled = _active.enabled


def _same(color, other) -> bool:
    """Whether WeasyPrint's ``set()`` of the two tinycss2 colours has one element: they hash by their
    ``repr`` (space, coordinates, alpha), so a signed zero counts as a different colour."""
    if color is other:
        return True
    if other == "currentcolor" or color.space != other.space or color.alpha != other.alpha \
            or color.coordinates != other.coordinates:
        return False
    pairs = zip(color.coordinates, other.coordinates, strict=True)  # equal tuples: equal lengths
    return all(copysign(1, a) == copysign(1, b) for a, b in pairs if a == 0)


def _plain_color(style):
    """The one colour of a box's four borders (not currentColor, not transparent), else None."""
    color = style["border_top_color"]
    if color == "currentcolor" or not color.alpha:
        return None
    for side in ("border_right_color", "border_bottom_color", "border_left_color"):
        if not _same(color, style[side]):
            return None
    return color


def draw_border(stream, box):
    global plain
    if _active.get() and stream._tags is None:
        style = box.style
        if style["border_image_source"][0] == "none" and not (
                isinstance(box, boxes.BlockContainerBox)
                and (style["column_width"] != "auto" or style["column_count"] != "auto")):
            # neither a border image nor column rules: what is drawn depends on the borders alone
            top, right, bottom, left = (box.border_top_width, box.border_right_width, box.border_bottom_width,
                                        box.border_left_width)
            if not (top or right or bottom or left):
                return  # no border: nothing to draw (most boxes)
            if (top and right and bottom and left and style["visibility"] == "visible"
                    and style["border_top_style"] == style["border_right_style"] == style["border_bottom_style"]
                    == style["border_left_style"] == "solid"
                    and box.border_top_left_radius == box.border_top_right_radius
                    == box.border_bottom_right_radius == box.border_bottom_left_radius == SQUARE):
                color = _plain_color(style)
                if color is not None:
                    plain += 1
                    # draw_rounded_border(stream, box, "solid", color) inside stream.stacked(), with the
                    # arithmetic of Box.rounded_box for square corners
                    x, y = box.border_box_x(), box.border_box_y()
                    width, height = box.border_width(), box.border_height()
                    stream.push_state()
                    stream.set_color(color)
                    stream.rectangle(x + left, y + top, width - left - right, height - top - bottom)
                    stream.rectangle(x + 0, y + 0, width - 0 - 0, height - 0 - 0)
                    stream.fill(even_odd=True)
                    stream.pop_state()
                    return
    _weasyprint_draw_border(stream, box)


_weasyprint_draw_outline = weasy_border.draw_outline


def draw_outline(stream, box):
    """WeasyPrint's ``draw_outline`` (a box's outline, then its children's), skipping straight to the
    children of a box whose outline has no width: WeasyPrint reads four properties to find that."""
    if _active.get() and not box.style["outline_width"]:
        for child in box.children:
            if isinstance(child, boxes.Box):
                draw_outline(stream, child)
        return
    _weasyprint_draw_outline(stream, box)


def install() -> None:
    if weasy_draw.draw_border is not draw_border:
        weasy_draw.draw_border = draw_border
        weasy_draw.draw_outline = weasy_border.draw_outline = draw_outline  # the latter for its recursion
