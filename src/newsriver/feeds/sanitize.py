"""Turning the HTML and text that feeds carry into HTML that is safe to show.

Every piece of markup taken from a feed (entry content and summary, feed description) is
untrusted: it is shown inside our own pages, so anything that runs script, loads a
stylesheet, submits a form or changes how the page resolves URLs is an attack on the reader.
`sanitize_html` keeps an explicit allow-list of article markup and drops everything else;
the choices are explained in docs/decisions/0003-html-sanitising.md.

Parsing and serialising are done by nh3 (the ammonia sanitiser, built on the html5ever
parser that follows the WHATWG parsing algorithm), so the markup we keep is what a browser
would have built. Python only steps in, through an attribute callback, for what nh3 cannot
express: resolving relative URLs, per-attribute URL schemes, `srcset`, and the iframe host
list; and before nh3, to bound how deeply large markup nests (`nesting.bounded`), on
which html5ever's work grows quadratically.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import dataclass
from html import unescape
from types import MappingProxyType
from urllib.parse import urlsplit, urlunsplit

import nh3

from newsriver.feeds.nesting import bounded
from newsriver.feeds.urls import resolve_url

# Article markup: text-level formatting, headings, lists, tables, quotes, code, figures,
# media, links and disclosure widgets. Tags outside this set are unwrapped (their text kept)
# unless they are in REMOVED_WITH_CONTENT. `iframe` is allowed separately, see EMBED_HOSTS.
ALLOWED_TAGS: frozenset[str] = frozenset(
    {
        # text and inline semantics
        *("p", "br", "hr", "div", "span", "b", "i", "u", "s", "em", "strong", "small"),
        *("mark", "del", "ins", "q", "cite", "dfn", "abbr", "time", "data", "var", "kbd"),
        *("samp", "sub", "sup", "wbr", "bdi", "bdo", "ruby", "rt", "rp", "address"),
        # presentational tags old feeds still use; harmless without attributes
        *("big", "center", "strike", "tt", "acronym"),
        # blocks, headings, code
        *("blockquote", "pre", "code", "h1", "h2", "h3", "h4", "h5", "h6"),
        *("article", "section", "aside", "header", "footer", "hgroup"),
        # lists
        *("ul", "ol", "li", "dl", "dt", "dd"),
        # tables
        *("table", "caption", "thead", "tbody", "tfoot", "tr", "th", "td", "colgroup", "col"),
        # figures and media
        *("figure", "figcaption", "img", "picture", "source", "audio", "video", "track"),
        # links and disclosure
        *("a", "details", "summary"),
    }
)

# Attributes allowed on every allowed tag. `class`, `id` and `style` are deliberately
# absent: classes and ids would collide with our UI's CSS and scripts (and ids can clobber
# DOM globals), and CSS can overlay our UI, hide text or fetch tracking URLs.
GLOBAL_ATTRIBUTES: frozenset[str] = frozenset({"lang", "dir", "title"})

# Per-tag attributes on top of GLOBAL_ATTRIBUTES. No event handlers (on*), no `target`
# (rel is forced instead), no `autoplay`, no `cite` (an unchecked URL nobody sees).
ALLOWED_ATTRIBUTES: MappingProxyType[str, frozenset[str]] = MappingProxyType(
    {
        "*": GLOBAL_ATTRIBUTES,
        "a": frozenset({"href", "hreflang"}),
        "img": frozenset({"src", "srcset", "sizes", "alt", "width", "height"}),
        "source": frozenset({"src", "srcset", "sizes", "type", "media"}),
        "audio": frozenset({"src", "loop", "muted"}),
        "video": frozenset({"src", "poster", "width", "height", "loop", "muted"}),
        "track": frozenset({"src", "kind", "srclang", "label", "default"}),
        "iframe": frozenset({"src", "width", "height"}),
        "ol": frozenset({"start", "reversed", "type"}),
        "li": frozenset({"value"}),
        "th": frozenset({"colspan", "rowspan", "headers", "scope", "abbr"}),
        "td": frozenset({"colspan", "rowspan", "headers"}),
        "col": frozenset({"span"}),
        "colgroup": frozenset({"span"}),
        "del": frozenset({"datetime"}),
        "ins": frozenset({"datetime"}),
        "time": frozenset({"datetime"}),
        "data": frozenset({"value"}),
        "details": frozenset({"open"}),
    }
)

# Every kept iframe is sandboxed: scripts are what a player needs, and allow-same-origin
# keeps the player's own cookies and storage working, which is safe because these hosts
# are never our origin. No allow-top-navigation, allow-forms or allow-modals.
EMBED_SANDBOX = "allow-scripts allow-same-origin allow-popups"
# Players refuse to play without knowing the embedding origin; send that and nothing more.
EMBED_REFERRER_POLICY = "strict-origin-when-cross-origin"

# An attribute set on every kept element of a tag, replacing whatever the feed said. One
# per tag, because ammonia adds them in hash-map order, which differs between processes:
# two would make one entry serialise differently in two workers. Media always gets
# controls: autoplay is dropped, so controls are the way to start it.
FORCED_ATTRIBUTES: MappingProxyType[str, tuple[str, str]] = MappingProxyType(
    {
        "audio": ("controls", ""),
        "video": ("controls", ""),
        "iframe": ("sandbox", EMBED_SANDBOX),
    }
)
# Appended, in this order, to every iframe kept (see _finish_iframes).
_EMBED_EXTRA = f' allowfullscreen="" referrerpolicy="{EMBED_REFERRER_POLICY}"'

# Removed together with everything inside them: code, content a browser would not show
# (noscript and the like, which html5ever also reads as raw text), embedded documents, and
# form controls whose text means nothing outside a form. object, applet and marquee hold
# plugin fallbacks and banners rather than article text, and are parser scope boundaries:
# unwrapped, they would leave e.g. <p> directly inside <p>, which parses back differently.
REMOVED_WITH_CONTENT: frozenset[str] = frozenset(
    {
        *("script", "style", "template", "noscript", "noembed", "noframes"),
        *("object", "applet", "marquee", "embed", "param", "frame", "frameset"),
        # foreign content: the main source of mutation-XSS tricks; not worth the risk
        *("svg", "math"),
        *("select", "textarea", "button", "datalist"),
    }
)

# URL schemes allowed in a[href]; media URLs (src, srcset, poster) are narrower.
LINK_SCHEMES: frozenset[str] = frozenset({"http", "https", "mailto"})
MEDIA_SCHEMES: frozenset[str] = frozenset({"http", "https"})

# The only hosts an iframe may point at: well-known video and audio players whose embeds
# feeds routinely carry. Any other iframe is removed with its content.
EMBED_HOSTS: frozenset[str] = frozenset(
    {
        *("youtube.com", "www.youtube.com", "www.youtube-nocookie.com"),
        *("player.vimeo.com", "www.dailymotion.com", "player.twitch.tv"),
        *("w.soundcloud.com", "bandcamp.com", "open.spotify.com", "embed.ted.com"),
    }
)

_URL_ATTRIBUTES = frozenset({"href", "src", "poster", "srcset"})
_ABSOLUTE_WEB_URL = ("https://", "http://")
_HTML_SPACE = " \t\n\r\f"
# WHATWG URL parsing strips leading/trailing C0 controls and spaces and removes tabs and
# newlines anywhere before looking for the scheme: "\x01jav\tascript:" is "javascript:".
_C0_AND_SPACE = "".join(map(chr, range(0x21)))
_TAB_NEWLINE = re.compile("[\t\n\r]")
_SCHEME = re.compile("([a-zA-Z][a-zA-Z0-9+.-]*):")
# An embed URL in the form urlsplit/urlunsplit give back unchanged: a lower-case host
# without user or port, a path, and a query and fragment that are absent or not empty.
_PLAIN_EMBED = re.compile(
    r"(?P<scheme>https:|http:|)//(?P<host>[a-z0-9.-]+)(?:/[^\x00-\x20?#\\\x7f-\U0010ffff]*)?"
    r"(?:\?[^\x00-\x20#\\\x7f-\U0010ffff]+)?(?:#[^\x00-\x20\\\x7f-\U0010ffff]+)?"
)


@dataclass(slots=True)
class _Call:
    """The sanitize_html call in progress, as the attribute callback sees it."""

    base_url: str | None
    # Set when an iframe was kept (each has a forced sandbox attribute, so the callback
    # sees every one): only then is the output searched for iframes to finish.
    saw_iframe: bool = False


# nh3 runs the callback synchronously on the calling thread, so a context variable gives
# each call its own state while the (costly to build) Cleaner is built only once.
_current_call: ContextVar[_Call] = ContextVar("_current_call")


def _filter_attribute(tag: str, name: str, value: str) -> str | None:
    """Return the value to keep for an allowed attribute, or None to drop it.

    nh3 calls this after its own checks (allow-list, schemes of href/src/poster), for
    every attribute it kept, so the common cases return early.
    """
    if tag == "iframe":
        call = _current_call.get()
        call.saw_iframe = True
        return _embed_url(value, call.base_url) if name == "src" else value
    if name == "srcset":
        return _filter_srcset(value, _current_call.get().base_url)
    if name not in _URL_ATTRIBUTES or not value or value.startswith(_ABSOLUTE_WEB_URL):
        # Not a URL, or empty (loads nothing), or absolute with a scheme all accept.
        return value
    schemes = LINK_SCHEMES if name == "href" else MEDIA_SCHEMES
    return _checked_url(value, _current_call.get().base_url, schemes)


def _checked_url(value: str, base: str | None, schemes: frozenset[str]) -> str | None:
    """Resolve `value` against `base`; None if empty or if its scheme is not in `schemes`.

    A URL that stays relative (no base given) is kept as it is.
    """
    resolved = resolve_url(value, base)
    if resolved is None or resolved.startswith(_ABSOLUTE_WEB_URL):
        # Resolving against an http(s) base, the common case, gives http(s).
        return resolved
    scheme = _scheme_of(resolved)
    return resolved if scheme is None or scheme in schemes else None


def _scheme_of(url: str) -> str | None:
    """Return the lower-cased scheme a browser would see in `url`, None if it is relative."""
    match = _SCHEME.match(_TAB_NEWLINE.sub("", url.strip(_C0_AND_SPACE)))
    return match.group(1).lower() if match else None


def _embed_url(value: str, base: str | None) -> str | None:
    """Return an https URL for an iframe on one of EMBED_HOSTS, or None.

    Protocol-relative (`//www.youtube.com/…`) and plain-http embeds of a listed host are
    upgraded to https: every listed host serves https, and old feeds are full of both.
    """
    value = value.strip(_C0_AND_SPACE)
    plain = _PLAIN_EMBED.fullmatch(value)
    if plain is not None and plain["host"] in EMBED_HOSTS:
        # What _parsed_embed_url returns for this plain form, without urllib.
        return "https:" + value[plain.end("scheme") :]
    return _parsed_embed_url(value, base)


def _parsed_embed_url(value: str, base: str | None) -> str | None:
    """`_embed_url` for any form of URL, `value` stripped of surrounding controls."""
    resolved = resolve_url("https:" + value if value.startswith("//") else value, base)
    if resolved is None or _scheme_of(resolved) not in MEDIA_SCHEMES:
        return None
    try:
        parts = urlsplit(_TAB_NEWLINE.sub("", resolved))
        port = parts.port
    except ValueError:
        return None
    if parts.hostname not in EMBED_HOSTS or parts.username is not None or port not in (None, 443):
        return None
    return urlunsplit(("https", parts.hostname, parts.path, parts.query, parts.fragment))


def _filter_srcset(value: str, base: str | None) -> str | None:
    """Check and resolve every candidate of a srcset, dropping the unsafe ones.

    nh3 does not treat srcset as a URL attribute, so without this a `data:` or
    `javascript:` candidate would pass through untouched.
    """
    kept = []
    for url, descriptor in _srcset_candidates(value):
        checked = _checked_url(url, base, MEDIA_SCHEMES)
        # A resolved URL only holds whitespace if the base did; it would split the candidate.
        if checked is not None and not any(c in checked for c in _HTML_SPACE):
            kept.append(f"{checked} {descriptor}" if descriptor else checked)
    return ", ".join(kept) or None


def _srcset_candidates(value: str) -> Iterator[tuple[str, str]]:
    """Yield (url, descriptor) pairs of a srcset, following the HTML spec's parsing outline.

    A URL runs to the next whitespace and may itself contain commas (CDNs put them in
    paths); trailing commas end the candidate. The descriptor runs to the next comma.
    """
    pos, end = 0, len(value)
    while True:
        while pos < end and value[pos] in _HTML_SPACE + ",":
            pos += 1
        if pos >= end:
            return
        start = pos
        while pos < end and value[pos] not in _HTML_SPACE:
            pos += 1
        url = value[start:pos]
        if url.endswith(","):
            yield url.rstrip(","), ""
            continue
        comma = value.find(",", pos)
        comma = end if comma < 0 else comma
        yield url, " ".join(value[pos:comma].split())
        pos = comma + 1


def _build_cleaner() -> nh3.Cleaner:
    """Build the nh3 configuration from the module constants (once: building costs ~30 µs).

    nh3 wants plain dicts and sets, not the read-only views the constants are.
    """
    return nh3.Cleaner(
        tags=set(ALLOWED_TAGS | {"iframe"}),
        clean_content_tags=set(REMOVED_WITH_CONTENT),
        attributes={tag: set(names) for tag, names in ALLOWED_ATTRIBUTES.items()},
        attribute_filter=_filter_attribute,
        strip_comments=True,
        link_rel="noopener noreferrer",
        set_tag_attribute_values={tag: dict([forced]) for tag, forced in FORCED_ATTRIBUTES.items()},
        url_schemes=set(LINK_SCHEMES),
    )


_CLEANER = _build_cleaner()
_TEXT_CLEANER = nh3.Cleaner(tags=set(), clean_content_tags=set(REMOVED_WITH_CONTENT))

# nh3 output is serialised by html5ever: attribute values are always double-quoted with
# `"` escaped, and an iframe's fallback content is raw text that cannot contain
# "</iframe>" (the parser would have ended the element there).
_IFRAME = re.compile(r'<iframe((?:\s+[^\s"\'>/=]+(?:="[^"]*")?)*)\s*>.*?</iframe>', re.DOTALL)


def _finish_iframes(html: str) -> str:
    """Remove the iframes whose src the callback refused; empty and complete the others.

    The fallback content goes because it is raw text that a non-HTML5 parser (an XML
    serialiser, an old library) could read as markup.
    """

    def replace(match: re.Match[str]) -> str:
        attributes = match.group(1)
        return f"<iframe{attributes}{_EMBED_EXTRA}></iframe>" if ' src="' in attributes else ""

    return _IFRAME.sub(replace, html)


def _canonical_text(text: str) -> str:
    """Serialise text holding no '<' and no '&' exactly as nh3 would, without parsing it.

    That is: turn CR and CRLF into LF (input stream preprocessing), drop NUL (ignored by
    the tree builder, and refused by PostgreSQL), and escape '>' and no-break spaces as
    html5ever's serialiser does. Leading byte-order marks are the caller's to strip.
    """
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if "\0" in text:
        text = text.replace("\0", "")
    if ">" in text:
        text = text.replace(">", "&gt;")
    if "\xa0" in text:
        text = text.replace("\xa0", "&nbsp;")
    return text


def sanitize_html(html: str, base_url: str | None = None) -> str:
    """Return `html` reduced to the allow-listed markup, with its URLs resolved and checked.

    Relative URLs in href, src, srcset and poster are made absolute against `base_url`
    (left relative when it is None); an attribute whose URL is unsafe is dropped, an
    iframe not pointing at EMBED_HOSTS is removed. Unknown tags are unwrapped, keeping
    their text. Does not reformat or otherwise change the markup it keeps.
    """
    if "<" not in html and "&" not in html:
        # No tag, comment or character reference can start: there is nothing to parse.
        cleaned = _canonical_text(html)
    else:
        call = _Call(base_url or None)
        token = _current_call.set(call)
        try:
            # Bounded nesting keeps html5ever's work linear in the size of the markup.
            cleaned = _CLEANER.clean(bounded(html))
        finally:
            _current_call.reset(token)
        if call.saw_iframe:
            cleaned = _finish_iframes(cleaned)
    # The parser drops a byte-order mark at the very start; dropping every one the result
    # starts with means that sanitising the result again changes nothing.
    return cleaned.lstrip("\ufeff")


def html_to_text(fragment: str) -> str:
    """Return the text of an HTML fragment on one line, for titles and author names.

    Tags are removed (the content of script, style and the like with them), character
    references decoded and whitespace runs collapsed to one space. Does not escape the
    result: it is text, to be escaped wherever it is put into HTML.
    """
    if "<" in fragment or "&" in fragment:
        fragment = unescape(_TEXT_CLEANER.clean(fragment))
    elif "\0" in fragment:
        # What parsing would have dropped, so that both paths give the same text.
        fragment = fragment.replace("\0", "")
    if "\ufeff" in fragment:
        # Byte-order marks are invisible debris of concatenated files in a title.
        fragment = fragment.replace("\ufeff", "")
    return " ".join(fragment.split())


_BLANK_LINE = re.compile(r"\n[ \t\f\v]*\n\s*")


def text_to_html(text: str) -> str:
    """Return plain text as HTML: a <p> per blank-line-separated paragraph, <br> per
    line break inside one.

    The result is already in the form sanitize_html produces, so sanitising it again
    changes nothing. Does not detect links or any other markup-like convention.
    """
    escaped = _canonical_text(text.replace("&", "&amp;").replace("<", "&lt;"))
    paragraphs = (p.strip() for p in _BLANK_LINE.split(escaped))
    return "\n".join(f"<p>{p.replace(chr(10), '<br>')}</p>" for p in paragraphs if p)


# A tag that articles commonly use, a comment, or a character reference. Plain text that
# merely says "a < b", "Vec<u8>" or "AT&T" does not match. Two patterns, each starting
# with a literal character, search several times faster than one alternation would.
_HTML_TAG = re.compile(
    r"<(?:/?(?i:a|abbr|b|blockquote|br|center|code|div|em|figure|font|h[1-6]|hr|i|iframe"
    r"|img|li|ol|p|pre|s|small|span|strong|sub|sup|table|td|th|tr|u|ul)(?=[\s/>])|!--)"
)
_CHARACTER_REFERENCE = re.compile(
    r"&(?:[a-zA-Z][a-zA-Z0-9]{1,31}|#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6});"
)


def looks_like_html(text: str) -> bool:
    """Guess whether `text` of unknown type (an RSS description) is HTML or plain text.

    True when it holds a common HTML tag, a comment or a character reference. Plain text
    that happens to contain e.g. "<p>" is taken for HTML, which is harmless: it is
    sanitised either way. Does not check that the markup is well formed.
    """
    return ("&" in text and _CHARACTER_REFERENCE.search(text) is not None) or (
        "<" in text and _HTML_TAG.search(text) is not None
    )
