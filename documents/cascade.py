"""The cascade of a document, without cascading the elements whose computed style is shared.

WeasyPrint (70) computes an element's style once per distinct (parent style, style attribute,
matched rules): the ~300 cells of a 50-item annex share a handful of computed styles, each
computed from the cascaded declarations of the first element that had it. Yet ``StyleFor``
still cascades every matched declaration of every element into a dictionary of its own (a
weight tuple and a comparison per declaration: ~27 per cell, once the border shorthand is
expanded), which nothing reads when the element takes a shared style, and which is dropped when
the cascade ends.

Inside :func:`enabled` only (``documents.rendering.html_to_pdf``), :func:`style_for_init` is
``StyleFor.__init__`` with the rules an element matches collected first: an element whose key
is already known takes the shared style and cascades only the declarations of its
pseudo-elements (``::before``, ``::marker``: computed per element as in WeasyPrint); every other
element is cascaded exactly as WeasyPrint does, in the same order. The computed styles are the
very same objects, so the PDFs are byte for byte WeasyPrint's own (tests/documents).

A computed style's values are worked out on first read (``ComputedStyle.__missing__``, ~75
properties for each of the ~65 distinct styles of a certificate: ~5,000 reads, ~9 ms). Most
are properties the style does not declare, which take their parent's value or their initial
value; :func:`computed_missing` settles those directly, in WeasyPrint's order and with its side
effects (the ``direction`` read of a property that has a logical counterpart, the math check of
the value), and hands every other case to WeasyPrint's own ``__missing__``: a declared property,
``float``/``display``/``position``/``page``, text decorations, custom properties, a logical
counterpart declared, a value holding a math function.
"""

from math import inf

from weasyprint import css as weasy_css
from weasyprint.css import (
    COMPUTER_FUNCTIONS,
    INHERITED,
    INITIAL_NOT_COMPUTED,
    INITIAL_VALUES,
    PHYSICAL_FUNCTIONS,
    PROGRESS_LOGGER,
    check_math,
    declaration_precedence,
    find_style_attributes,
    preprocess_declarations,
)

from .shortcut import Switch

_active = Switch("documents_cascade_active")
_weasyprint_init = weasy_css.StyleFor.__init__
_weasyprint_missing = weasy_css.ComputedStyle.__missing__
shared = 0  # elements that took a shared computed style without being cascaded (tests)
settled = 0  # computed values settled by computed_missing (tests)
# WeasyPrint's __missing__ treats these keys specially before or after the cascade lookup
SPECIAL = frozenset(("float", "display", "position", "page"))


enabled = _active.enabled


def style_for_init(self, html, sheets, presentational_hints, font_config, target_collector):
    if not _active.get():
        _weasyprint_init(self, html, sheets, presentational_hints, font_config, target_collector)
        return
    global shared
    # what StyleFor.__init__ sets up (WeasyPrint 70)
    self._cascaded_styles = cascaded_styles = {}
    self._computed_styles = computed_styles = {}
    self.initial_page_sizes = {"box": None, "area": None}
    self._sheets = sheets
    self.font_config = font_config

    PROGRESS_LOGGER.info("Step 3 - Applying CSS")
    layer_order = inf
    elements_declarations = {}
    for specificity, element, declarations, base_url in find_style_attributes(
            html.etree_element, presentational_hints, html.base_url):
        style = cascaded_styles.setdefault((element, None), {})
        elements_declarations[element] = tuple(declarations)
        for name, values, importance in preprocess_declarations(base_url, declarations):
            precedence = declaration_precedence("author", importance)
            weight = (precedence, layer_order, specificity)
            old_weight = style.get(name, (None, None))[1]
            if old_weight is None or old_weight <= weight:
                style[name] = values, weight

    root = html.etree_element
    base_url = html.base_url
    computed_cache = {}
    hits = 0
    for element in html.wrapper_element.iter_subtree():
        etree_element = element.etree_element
        parent = element.parent.etree_element if element.parent else None
        parent_id = id(computed_styles[parent, None]) if element.parent else None
        element_declarations = elements_declarations.get(etree_element)
        selectors_keys = []
        matched = []
        for sheet, origin, sheet_specificity in sheets:
            for selector in sheet.matcher.match(element):
                specificity, order, pseudo_type, (declarations, layer) = selector
                layer_order = inf if layer is None else sheet.layers.index(layer)
                selectors_keys.append((sheet, specificity, id(declarations), layer_order))
                matched.append((origin, sheet_specificity or specificity, pseudo_type, declarations, layer_order))

        key = (parent_id, element_declarations, tuple(selectors_keys))
        known = key in computed_cache
        for origin, specificity, pseudo_type, declarations, layer_order in matched:
            if known and pseudo_type is None:
                continue  # the element's own cascaded style would go unread: its computed style is shared
            style = cascaded_styles.setdefault((etree_element, pseudo_type), {})
            for name, values, importance in declarations:
                precedence = declaration_precedence(origin, importance)
                weight = (precedence, layer_order, specificity)
                old_weight = style.get(name, (None, None))[1]
                if old_weight is None or old_weight <= weight:
                    style[name] = values, weight

        if known:
            computed_styles[etree_element, None] = computed_cache[key]
            hits += 1
        else:
            self.set_computed_styles(
                etree_element, root=root, parent=parent, base_url=base_url, target_collector=target_collector)
            computed_cache[key] = computed_styles[etree_element, None]

    for element, pseudo_type in cascaded_styles:
        if pseudo_type:
            self.set_computed_styles(
                element, pseudo_type=pseudo_type, root=root, parent=element, base_url=base_url,
                target_collector=target_collector)

    self._cascaded_styles.clear()
    shared += hits


def computed_missing(self, key):
    """``ComputedStyle.__missing__`` (WeasyPrint 70) for a property the style does not declare."""
    parent_style = self.parent_style
    cascaded = self.cascaded
    if (not _active.get() or key in cascaded or key in SPECIAL or key[:2] == "__"
            or key[:16] == "text_decoration_"):
        return _weasyprint_missing(self, key)
    if logical_function := PHYSICAL_FUNCTIONS.get(key):
        if logical_function(block="ttb", inline=self["direction"]) in cascaded:
            return _weasyprint_missing(self, key)
    global settled
    if key in INHERITED and parent_style is not None:
        value = self[key] = parent_style[key]  # already computed
        if check_math(value):
            del self[key]
            return _weasyprint_missing(self, key)
    else:
        value = INITIAL_VALUES[key]
        if check_math(value):
            return _weasyprint_missing(self, key)
        if key not in INITIAL_NOT_COMPUTED:
            self[key] = value  # the same as when computed
        else:
            if key in COMPUTER_FUNCTIONS:
                value = COMPUTER_FUNCTIONS[key](self, key, value)
            self[key] = value
    settled += 1
    return value


def install() -> None:
    """Route ``StyleFor.__init__`` and ``ComputedStyle.__missing__`` through this module (idempotent)."""
    weasy_css.StyleFor.__init__ = style_for_init
    weasy_css.ComputedStyle.__missing__ = computed_missing
