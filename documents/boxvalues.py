"""Used values of a box's lengths and background, worked out without WeasyPrint's per-property calls.

WeasyPrint (70) resolves a box's margins, paddings, widths and heights (``resolve_percentages``)
with two Python calls per property, 13 properties, for every box it lays out (~1,400 per 50-item
certificate: every cell, line and text box, and again when a row moves to the next page); and it
lays out the background of every box (``layout_box_backgrounds``) by reading a dozen properties,
building the list of its background images and resolving its four corner radii, only to find
that nearly none has a background.

Inside :func:`enabled` only (``documents.rendering.html_to_pdf``):

- :func:`resolve_percentages` is WeasyPrint's with the percentage arithmetic inlined (a length's
  value, a percentage's ``refer_to * value / 100``, anything else — ``auto``, ``calc()`` — through
  WeasyPrint's own ``percentage``) and ``box-sizing: content-box`` adjusting nothing, as in
  WeasyPrint;
- :func:`avoid_collisions`, for a line box when the page has no floats (nothing to avoid: the
  line spans its containing block), returns WeasyPrint's result without its search loop (~1,400
  calls per certificate, two per line);
- ``Box.descendants`` walks the tree with a stack instead of nested generators (~30,000 boxes
  yielded per certificate through as many generator levels as the box is deep), in the same
  order, and ``Box.is_in_normal_flow`` reads the two properties once instead of through five
  methods (~5,000 calls);
- :func:`gather_anchors` goes straight to the children of a box that is neither transformed, a
  link, an anchor, a bookmark nor a form or form field (all the boxes of a certificate);
- :func:`layout_box_backgrounds` sets the square radii and no background directly for a box that
  has no background colour, no background image, no shadow, no border or mask image, and is not
  the page; any other box goes through WeasyPrint's own function.

Both set the very same attributes to the very same values (the PDFs are byte for byte WeasyPrint's
own: tests/documents pin it for every PDF template).
"""

import sys

from weasyprint import anchors as weasy_anchors
from weasyprint import document as weasy_document
from weasyprint.css.properties import Dimension
from weasyprint.formatting_structure import boxes
from weasyprint.layout import background as weasy_background
from weasyprint.layout import float as weasy_float
from weasyprint.layout import inline as weasy_inline
from weasyprint.layout import percent as weasy_percent

from .shortcut import Switch

_active = Switch("documents_boxvalues_active")
_weasyprint_resolve_percentages = weasy_percent.resolve_percentages
_weasyprint_layout_box_backgrounds = weasy_background.layout_box_backgrounds
percentage = weasy_percent.percentage
adjust_box_sizing = weasy_percent.adjust_box_sizing
INF = float("inf")
CORNERS = ("border_top_left_radius", "border_top_right_radius", "border_bottom_right_radius",
           "border_bottom_left_radius")
SQUARE = (0, "px")
no_background = 0  # boxes whose background was settled here (tests)


enabled = _active.enabled


def _used(style, name, refer_to):
    """``percentage(style[name], style, refer_to)``, inlined for lengths and percentages."""
    value = style[name]
    if value.__class__ is Dimension:  # a computed length (px) or percentage
        unit = value.unit
        if unit == "%":
            return refer_to * value.value / 100
        if unit is not None:
            return value.value
    return percentage(value, style, refer_to)  # 'auto', None, a math function, a unitless value


def resolve_percentages(box, containing_block):
    if not _active.get():
        return _weasyprint_resolve_percentages(box, containing_block)
    if isinstance(containing_block, boxes.Box):
        cb_width = containing_block.width
        cb_height = containing_block.height
    else:
        cb_width, cb_height = containing_block
    maybe_height = cb_height if isinstance(box, boxes.PageBox) else cb_width
    style = box.style
    box.margin_left = _used(style, "margin_left", cb_width)
    box.margin_right = _used(style, "margin_right", cb_width)
    box.margin_top = _used(style, "margin_top", maybe_height)
    box.margin_bottom = _used(style, "margin_bottom", maybe_height)
    box.padding_left = _used(style, "padding_left", cb_width)
    box.padding_right = _used(style, "padding_right", cb_width)
    box.padding_top = _used(style, "padding_top", maybe_height)
    box.padding_bottom = _used(style, "padding_bottom", maybe_height)
    box.width = _used(style, "width", cb_width)
    min_width = _used(style, "min_width", cb_width)
    box.min_width = 0 if min_width == "auto" else min_width
    box.max_width = _used(style, "max_width", cb_width)

    if cb_height == "auto":
        # the containing block's height depends on its content: WeasyPrint's own code
        height = style["height"]
        if height == "auto" or weasy_percent.check_math(height) or height.unit == "%":
            box.height = "auto"
        else:
            assert height.unit.lower() == "px"
            box.height = height.value
        min_height = _used(style, "min_height", 0)  # resolve_one_percentage(box, "min_height", 0)
        box.min_height = 0 if min_height == "auto" else min_height
        box.max_height = _used(style, "max_height", INF)
    else:
        box.height = _used(style, "height", cb_height)
        min_height = _used(style, "min_height", cb_height)
        box.min_height = 0 if min_height == "auto" else min_height
        box.max_height = _used(style, "max_height", cb_height)

    if style["border_collapse"] == "collapse":
        for prop in ("border_top_width", "border_right_width", "border_bottom_width", "border_left_width"):
            if not hasattr(box, prop):  # resolved by the collapsed-border conflict resolution
                setattr(box, prop, style[prop])
    else:
        box.border_top_width = style["border_top_width"]
        box.border_right_width = style["border_right_width"]
        box.border_bottom_width = style["border_bottom_width"]
        box.border_left_width = style["border_left_width"]

    if style["box_sizing"] != "content-box":  # content-box: WeasyPrint's adjust_box_sizing changes nothing
        adjust_box_sizing(box, "width")
        adjust_box_sizing(box, "height")


def layout_box_backgrounds(page, box, get_image_from_uri, layout_children=True, style=None):
    global no_background
    if not _active.get() or style is not None or box is page:
        return _weasyprint_layout_box_backgrounds(page, box, get_image_from_uri, layout_children, style)
    style = box.style
    if (style["border_image_source"][0] != "none" or style["mask_border_source"][0] != "none"
            or style["box_shadow"]):
        return _weasyprint_layout_box_backgrounds(page, box, get_image_from_uri, layout_children)
    if style["visibility"] != "hidden":
        for type_, value in style["background_image"]:
            if type_ == "url" or value:
                return _weasyprint_layout_box_backgrounds(page, box, get_image_from_uri, layout_children)
        color = style["background_color"]
        if color == "currentcolor":
            color = style["color"]
        if color.alpha != 0:
            return _weasyprint_layout_box_backgrounds(page, box, get_image_from_uri, layout_children)
    # resolve_radii_percentages, then the children, then no background: WeasyPrint's order
    for corner in CORNERS:
        rx, ry = style[corner]
        if rx == SQUARE or ry == SQUARE:
            setattr(box, corner, (0, 0))
        else:
            weasy_percent.resolve_radii_percentages(box)
            break
    if layout_children:
        for child in box.all_children():
            layout_box_backgrounds(page, child, get_image_from_uri)
    box.background = None
    no_background += 1


_weasyprint_avoid_collisions = weasy_float.avoid_collisions
free_lines = 0  # line boxes placed here (tests)


def avoid_collisions(context, box, containing_block, outer=True):
    """WeasyPrint's ``avoid_collisions`` for a line box (``outer=False``) with no excluded shape:
    the same arithmetic, in the same order, without the loop over shapes."""
    global free_lines
    if (not _active.get() or outer or context.excluded_shapes or not isinstance(box, boxes.LineBox)
            or box.style["float"] != "none"):
        return _weasyprint_avoid_collisions(context, box, containing_block, outer)
    free_lines += 1
    position_y = box.border_box_y()
    max_left_bound = containing_block.content_box_x()
    max_right_bound = max_left_bound + containing_block.width
    max_left_bound += box.margin_left
    max_right_bound -= box.margin_right
    position_x = max_right_bound if containing_block.style["direction"] == "rtl" else max_left_bound
    available_width = max_right_bound - max_left_bound
    return position_x - box.margin_left, position_y - box.margin_top, available_width


_weasyprint_descendants = boxes.Box.descendants
_weasyprint_is_in_normal_flow = boxes.Box.is_in_normal_flow
FLOATED = ("left", "right", "inline-start", "inline-end")  # Box.is_floated


def descendants(self, placeholders=False):
    if not _active.get():
        return _weasyprint_descendants(self, placeholders)
    return _walk(self, placeholders)


def _walk(box, placeholders):
    """``Box.descendants``: the box, then each child's descendants in order (a child that is not a
    box is yielded as it is, or, with ``placeholders``, stands for the box it wraps)."""
    yield box
    stack = [iter(box.children)]
    while stack:
        for child in stack[-1]:
            if not isinstance(child, boxes.Box):
                if not placeholders:
                    yield child
                    continue
                child = child.descendants.__self__  # an absolute placeholder: WeasyPrint walks its box
            yield child
            stack.append(iter(child.children))
            break
        else:
            stack.pop()


def is_in_normal_flow(self):
    if not _active.get():
        return _weasyprint_is_in_normal_flow(self)
    style = self.style
    if style["float"] in FLOATED:
        return False
    position = style["position"]
    return not (position in ("absolute", "fixed") or position[0] == "running()" or style["float"] == "footnote"
                or position[0] == "note()")


_weasyprint_gather_anchors = weasy_anchors.gather_anchors


def gather_anchors(box, anchors, links, bookmarks, forms, parent_matrix=None, parent_form=None, parent_link=None):
    """WeasyPrint's ``gather_anchors``, which for a box that contributes nothing (no transform, link,
    anchor, bookmark, form or form field) only passes its arguments on to the box's children."""
    if _active.get() and parent_link is None and box.link is None:
        style = box.style
        if (not (style["transform"] and not isinstance(box, boxes.InlineBox)) and not style["anchor"]
                and not (box.bookmark_label and style["bookmark_level"] != "none")
                and not box.is_input() and not box.is_form()):
            for child in box.all_children():
                gather_anchors(child, anchors, links, bookmarks, forms, parent_matrix, parent_form, None)
            return
    _weasyprint_gather_anchors(box, anchors, links, bookmarks, forms, parent_matrix, parent_form, parent_link)


def install() -> None:
    """Route WeasyPrint's layout modules' ``resolve_percentages`` and ``layout_box_backgrounds``,
    and the inline layout's ``avoid_collisions``, through this module (idempotent)."""
    for name, module in list(sys.modules.items()):
        if not name.startswith("weasyprint.") or module is None:
            continue
        if getattr(module, "resolve_percentages", None) is _weasyprint_resolve_percentages:
            module.resolve_percentages = resolve_percentages
        if getattr(module, "layout_box_backgrounds", None) is _weasyprint_layout_box_backgrounds:
            module.layout_box_backgrounds = layout_box_backgrounds
    if weasy_inline.avoid_collisions is _weasyprint_avoid_collisions:  # the line boxes' caller only
        weasy_inline.avoid_collisions = avoid_collisions
    boxes.Box.descendants = descendants
    weasy_document.gather_anchors = weasy_anchors.gather_anchors = gather_anchors  # the latter for its recursion
    boxes.Box.is_in_normal_flow = is_in_normal_flow
