"""Bounding how deeply markup nests before html5ever builds a tree of it.

The HTML5 tree builder is quadratic in nesting depth: many start tags check whether an
element is "in scope" by walking the stack of open elements, so 100,000 nested <div>s
(500 KB) keep nh3 busy for minutes. Its list of active formatting elements misbehaves
the same way: each new formatting element is compared with every entry (the "Noah's
Ark" clause), and the formatting elements a closing parent left open are all recreated
before every later piece of text (20 KB of <b>s left open in a <p>, then short
paragraphs: 19 MB out, after 4 seconds).

`bounded` follows the tags of large markup with a model of that stack. It drops the
start tags (and their end tags) that would open an element beyond MAX_DEPTH open
elements, or a formatting element beyond MAX_FORMATTING of them, and gives formatting
elements that something else closes their own end tag there, so that nothing is left to
recreate. Browsers cap depth too (Blink at 512). Markup that nests properly within the
bounds, as real articles do, comes back unchanged; text is never dropped.

The model may count elements the tree builder has already closed, never the reverse: it
closes an element only where the tree builder certainly does (its end tag, within
scope; implied end tags; a paragraph, list item or cell closed by the next one; the
adoption agency algorithm's simple cases), and leaves counted what it cannot follow
(foreign content, tables, forms). Tags are found with the tokenizer's own rules for
where a tag ends (a quoted attribute value may hold ">"), and the content of raw text
elements is skipped only where the tokenizer certainly reads it as text.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right

# Open elements allowed at once; past this, start tags are dropped.
MAX_DEPTH = 256
# Formatting elements open at once; past this, formatting start tags are dropped.
MAX_FORMATTING = 12
# Markup this short costs nh3 little whatever it holds (tens of milliseconds at most,
# and a tree well under a MB): not worth counting its tags.
_TINY = 4_096
# Nor does markup this short with at most MAX_DEPTH tags (a few MB of tree at most).
_SMALL = 16_384
# The adoption agency algorithm's outer loop runs at most this many times.
_ADOPTION_ROUNDS = 8

# HTML §13.2.4.3: the elements of the list of active formatting elements.
_FORMATTING = frozenset(
    {"a", "b", "big", "code", "em", "font", "i", "nobr", "s", "small", "strike", "strong"}
    | {"tt", "u"}
)
_VOID = frozenset(
    {"area", "base", "basefont", "bgsound", "br", "col", "embed", "frame", "hr", "image"}
    | {"img", "input", "keygen", "link", "meta", "param", "source", "track", "wbr"}
)
# Elements whose content the tokenizer reads as text up to their end tag, in HTML
# content (§13.2.5.2-3; html5ever parses fragments with scripting on, so noscript too).
_RAW_TEXT = frozenset(
    {"script", "style", "xmp", "iframe", "noembed", "noframes", "noscript", "textarea", "title"}
)
_FOREIGN = frozenset({"svg", "math"})
# Closed by "generate implied end tags" (§13.2.6.3).
_IMPLIED_END = frozenset({"p", "li", "dd", "dt", "option", "optgroup", "rb", "rp", "rt", "rtc"})
_HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
_CELLS = frozenset({"td", "th"})
_SECTIONS = frozenset({"tbody", "thead", "tfoot"})
# Start tags that close the current element when it is one of these (in this order).
_LIST_ITEMS = {
    "li": frozenset({"li"}),
    "dd": frozenset({"dd", "dt"}),
    "dt": frozenset({"dd", "dt"}),
}
_CLOSES_CURRENT: dict[str, tuple[frozenset[str], ...]] = {
    "option": (frozenset({"option"}),),
    "optgroup": (frozenset({"option"}), frozenset({"optgroup"})),
    **dict.fromkeys(_HEADINGS, (_HEADINGS,)),
    **dict.fromkeys(_CELLS, (_CELLS,)),
    "tr": (_CELLS, frozenset({"tr"})),
    **dict.fromkeys(_SECTIONS, (_CELLS, frozenset({"tr"}), _SECTIONS)),
}
# Start tags that close a <p> in button scope (§13.2.6.4.7).
_CLOSES_P = frozenset(
    {"address", "article", "aside", "blockquote", "center", "details", "dialog", "dir"}
    | {"div", "dl", "fieldset", "figcaption", "figure", "footer", "header", "hgroup"}
    | {"main", "menu", "nav", "ol", "p", "search", "section", "summary", "ul", "pre"}
    | {"listing", "form", "table", "hr", "xmp", "li", "dd", "dt", "plaintext"}
    | _HEADINGS
)
# Scope boundaries (§13.2.4.2): an end tag does not reach past them.
_BOUNDARIES = frozenset(
    {"applet", "caption", "html", "table", "td", "th", "marquee", "object", "template"}
    | {"foreignobject", "desc", "title", "mi", "mo", "mn", "ms", "mtext", "annotation-xml"}
    | {"select"}  # not a scope boundary, but most end tags are ignored inside one
    | _FOREIGN
)
_EXTRA_BOUNDARIES = {"li": frozenset({"ol", "ul"}), "p": frozenset({"button"})}
# Elements the tree builder may not have created from their start tag (ignored in a
# fragment, or outside a table, or with a form already open), or which it closes in
# ways not modelled here: their end tags close nothing unless they close the current
# element. A form's end tag takes it out of the stack and leaves what it holds open.
_UNCERTAIN = frozenset(
    {"html", "head", "body", "frameset", "caption", "colgroup", "tbody", "thead", "tfoot"}
    | {"tr", "td", "th", "select", "option", "optgroup", "template"}
)
# The special category (§13.2.4.2), of which "any other end tag" never closes an element.
_SPECIAL = _BOUNDARIES | _CLOSES_P | _VOID | _RAW_TEXT | _SECTIONS | {"tr", "select", "body"}

# A tag, ending where the tokenizer ends it (§13.2.5.8 onwards): the tag name runs to
# whitespace, "/" or ">"; an attribute name may start with "=" and runs to whitespace,
# "/", ">" or "="; a value is quoted only when a quote comes first after the "=". The
# first form of the rest is the common case, written to be quick; the second is exact.
_NAME_CHAR = r"[^\t\n\f />=]"
_ATTRIBUTE = (
    rf"(?>(?:={_NAME_CHAR}*|{_NAME_CHAR}+)"
    r"""(?:[\t\n\f ]*=[\t\n\f ]*(?:"[^"]*"|'[^']*'|[^\t\n\f >"'][^\t\n\f >]*)?)?)"""
)
_MARKUP = re.compile(
    # groups: "/" of an end tag, the tag name, "/" of a self-closing tag
    r"<(/?)([a-zA-Z][^\t\n\f />]*+)"
    rf"""(?:(?: +[a-zA-Z][-a-zA-Z0-9]*="[^"]*")*+ *|(?:[\t\n\f ]|/(?!>)|{_ATTRIBUTE})*+)(/?)>"""
    # a tag the end of the input cuts: the tokenizer drops it, with everything after it
    r"|<(?=/?[a-zA-Z]).*"
    # comments, ended by "-->", "--!>", abruptly by "<!-->" or "<!--->", or by the end
    r"|<!--(?:-?>|.*?--!?>|.*)"
    # doctypes, processing instructions, CDATA outside foreign content, "</ x>": up to ">"
    r"|<(?:[!?]|/(?![a-zA-Z]))[^>]*>?",
    re.DOTALL,
)
_RAW_END = {name: re.compile(rf"</{name}[\t\n\f />]", re.IGNORECASE) for name in _RAW_TEXT}


def bounded(html: str) -> str:
    """Return `html` with its nesting bounded: start tags beyond MAX_DEPTH open elements
    or MAX_FORMATTING open formatting elements dropped with their end tags, and
    formatting elements that something else closes given their end tag there.

    Markup that nests properly within those bounds (as real articles do) comes back
    unchanged, as does any that is too small to be costly. Text is never removed. Does
    not sanitise: what is kept is still untrusted markup.
    """
    size = len(html)
    if size <= _TINY or (size <= _SMALL and html.count("<") <= MAX_DEPTH):
        return html
    if _nests_properly(html):
        return html
    edits = _edits(html)
    if not edits:
        return html
    pieces: list[str] = []
    position = 0
    for start, end, replacement in edits:
        pieces += (html[position:start], replacement)
        position = end
    pieces.append(html[position:])
    return "".join(pieces)


def _nests_properly(html: str) -> bool:
    """Whether the markup stays within the bounds when every element is closed by its
    own end tag, and no formatting element is open where a tag could close it another
    way. This is the common case, and costs a fraction of nh3's time; `_Stack`, which
    follows the tree builder more closely, is for the rest.
    """
    stack: list[str] = []
    formatting = foreign = 0
    for end_tag, name, self_closing in _MARKUP.findall(html):
        if not name:
            continue
        name = name.lower()
        if end_tag:
            if stack and stack[-1] == name:
                stack.pop()
                formatting -= name in _FORMATTING
                foreign -= name in _FOREIGN
            elif formatting:
                return False  # may close a formatting element, which is then recreated
        elif not _is_void(name, self_closing, foreign):
            if formatting and name in _CLOSES_P:
                return False  # may close a <p> or item holding a formatting element
            stack.append(name)
            if name in _FORMATTING:
                formatting += 1
                if formatting > MAX_FORMATTING:
                    return False
            foreign += name in _FOREIGN
            if len(stack) > MAX_DEPTH:
                return False
    return True


def _is_void(name: str, self_closing: str, foreign: int) -> bool:
    """Whether a start tag opens no element. In SVG and MathML only "/>" says so (a
    <link> there is an element like any other), unless the tag leaves foreign content,
    which is not modelled: such tags count as open elements."""
    return bool(self_closing) if foreign else name in _VOID


def _edits(html: str) -> list[tuple[int, int, str]]:
    """What to replace, as (start, end, replacement), in document order."""
    model = _Stack()
    edits: list[tuple[int, int, str]] = []
    position, size = 0, len(html)
    search = _MARKUP.search
    while position < size:
        token = search(html, position)
        if token is None:
            break
        position = token.end()
        name = token[2]
        if name is None:
            continue  # a comment, doctype or the like: no element
        name = name.lower()
        if token[1]:
            kept = model.close(name)
        elif _is_void(name, token[3], model.foreign):
            continue
        else:
            kept = model.open(name)
            if kept and model.foreign == 0 and name in _RAW_TEXT:
                # Certainly raw text: no <svg> or <math> is open (the tree builder could
                # have left one open only if this model had too).
                end = _RAW_END[name].search(html, position)
                position = size if end is None else end.start()
            elif kept and model.foreign == 0 and name == "plaintext":
                position = size
        if model.closed or not kept:
            closing = "".join(f"</{closed}>" for closed in model.closed)
            edits.append((token.start(), token.end(), closing + token[0] if kept else closing))
            model.closed.clear()
    return edits


class _Stack:
    """The tree builder's stack of open elements, as far as it can be told cheaply.

    Every operation costs constant time (amortised over the pops): where each name,
    each scope boundary and each special element sits in the stack is kept in lists of
    positions, so that "is it in scope" needs no walk down the stack.
    """

    def __init__(self) -> None:
        # Open elements by name; None where the adoption agency took an element out
        # of the middle (left in place, so that positions stay valid: overcounting).
        self.entries: list[str | None] = []
        # Positions in `entries`, ascending, of each name, of the scope boundaries, of
        # the special elements, and of those that stop a new list item's search.
        self.where: dict[str, list[int]] = {}
        self.boundaries: list[int] = []
        self.specials: list[int] = []
        self.item_stops: list[int] = []
        self.formatting = 0
        self.foreign = 0
        # Elements whose start tags were dropped, by name: their end tags go too.
        self.dropped: dict[str, int] = {}
        # Formatting elements the current tag closes without their end tag: they are
        # given one, or the tree builder would recreate them before every later text.
        self.closed: list[str] = []

    def open(self, name: str) -> bool:
        """Record a start tag; False when it must be dropped."""
        is_formatting = name in _FORMATTING
        if len(self.entries) >= MAX_DEPTH or (is_formatting and self.formatting >= MAX_FORMATTING):
            # Dropped, so the tree builder closes nothing for it either.
            self.dropped[name] = self.dropped.get(name, 0) + 1
            return False
        if not self.foreign:
            self._close_implied(name)
        position = len(self.entries)
        self.entries.append(name)
        self.where.setdefault(name, []).append(position)
        if name in _BOUNDARIES:
            self.boundaries.append(position)
        if name in _SPECIAL:
            self.specials.append(position)
            if name not in ("address", "div", "p"):
                self.item_stops.append(position)
        self.formatting += is_formatting
        self.foreign += name in _FOREIGN
        return True

    def close(self, name: str) -> bool:
        """Record an end tag; False when it must be dropped (it ends a dropped element)."""
        if self.dropped.get(name):
            self.dropped[name] -= 1
            return False
        if self.entries and self.entries[-1] == name:
            self._pop()
        elif self.foreign:
            pass  # foreign content closes elements by other rules: leave them counted
        elif name in _FORMATTING or name == "form":
            self._close_formatting(name)
        elif name not in _UNCERTAIN:
            self._close_in_scope(name)
        return True

    def _close_implied(self, name: str) -> None:
        """The elements a start tag closes (§13.2.6.4.7): a list item the next item, a
        cell the next cell or row, an open <p> any block."""
        if name in _LIST_ITEMS:
            # The open item of its kind, found past <address>, <div>, <p> and phrasing.
            found = max((self._last(item) for item in _LIST_ITEMS[name]), default=-1)
            if found >= 0 and self._above(self.item_stops, found) == 0:
                self._pop_to(found)
        else:
            for closed in _CLOSES_CURRENT.get(name, ()):
                if self.entries and self.entries[-1] in closed:
                    self._pop()
        if name in _CLOSES_P:
            self._close_in_scope("p")

    def _close_in_scope(self, name: str) -> None:
        """Close `name` and what it holds, if it is open within scope (the end tags of
        blocks, "any other end tag", "close a p element")."""
        found = self._last(name)
        if found < 0 or not self._in_scope(name, found):
            return
        if name not in _SPECIAL and self._above(self.specials, found):
            return  # "any other end tag" stops at a special element
        self._pop_to(found)

    def _close_formatting(self, name: str) -> None:
        """A formatting end tag for an open element that is not the current one (the
        adoption agency algorithm). With only phrasing content above it, the element is
        closed with that content. With blocks above it, the element is closed and what
        it holds stays open, as long as the copies pushed into those blocks (one per
        block, for at most eight rounds) get closed too; else nothing is counted closed."""
        found = self._last(name)
        if found < 0 or not self._in_scope(name, found):
            return
        blocks = self._above(self.specials, found)
        if blocks == 0 and name != "form":
            self._pop_to(found + 1)
            self._pop()
        elif blocks <= _ADOPTION_ROUNDS or name == "form":
            self._take_out(found)

    def _take_out(self, position: int) -> None:
        """Remove an element that is not the current one, leaving what it holds open."""
        name = self.entries[position]
        assert name is not None, "only open elements are taken out"
        self.entries[position] = None
        self.where[name].pop()
        for positions in (self.boundaries, self.specials, self.item_stops):
            index = bisect_left(positions, position)
            if index < len(positions) and positions[index] == position:
                del positions[index]
        self.formatting -= name in _FORMATTING

    def _last(self, name: str) -> int:
        """The position of the most recently opened `name` still open, or -1."""
        positions = self.where.get(name)
        return positions[-1] if positions else -1

    def _in_scope(self, name: str, position: int) -> bool:
        """Whether no scope boundary lies above `position` (§13.2.4.2)."""
        if self._above(self.boundaries, position):
            return False
        extra = _EXTRA_BOUNDARIES.get(name, ())
        return all(self._last(boundary) < position for boundary in extra)

    @staticmethod
    def _above(positions: list[int], position: int) -> int:
        """How many of `positions` lie above `position`."""
        return len(positions) - bisect_right(positions, position)

    def _pop_to(self, position: int) -> None:
        """Close the elements from the current one down to `position`, that one
        included, giving the formatting elements among them an end tag (`closed`)."""
        while len(self.entries) > position:
            name = self._pop()
            if name in _FORMATTING:
                self.closed.append(name)

    def _pop(self) -> str | None:
        """Close the current element; return its name (None if already taken out)."""
        name = self.entries.pop()
        if name is None:
            return None
        position = self.where[name].pop()
        if self.boundaries and self.boundaries[-1] == position:
            self.boundaries.pop()
        if self.specials and self.specials[-1] == position:
            self.specials.pop()
        if self.item_stops and self.item_stops[-1] == position:
            self.item_stops.pop()
        self.formatting -= name in _FORMATTING
        self.foreign -= name in _FOREIGN
        return name
