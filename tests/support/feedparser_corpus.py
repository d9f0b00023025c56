"""feedparser's own test corpus, evaluated against newsriver.

Each file of ``shared/corpus/feedparser-tests`` starts with a comment whose ``Expect:``
line is a Python expression over feedparser's result (``feed``, ``entries``,
``encoding``, ``bozo``…). We evaluate the expressions that touch only fields our model
carries, against `feed_namespace`: our `ParsedFeed` presented in feedparser's shape
(only those keys).

- ``bozo`` clauses are dropped (we report ``recovered`` instead): ``not bozo and X`` is
  read as ``X``. An expectation that is nothing but ``1``/``bozo`` only asks that the
  file parse ("parse-only").
- Not applicable (counted and reported, not pytest-skipped): files with ``Header:``
  lines (they need an HTTP server), the ``wellformed/sanitize`` folder (the sanitiser's
  own tests cover it), and expressions naming any field or name outside `SUPPORTED`.
- HTML-valued fields (summary, content, subtitle) compare as text: our HTML with tags
  stripped, entities unescaped and whitespace collapsed must equal feedparser's value
  reduced the same way, or (for text/plain content, which feedparser leaves raw) taken
  as it is. Titles, names and categories are plain text in our model; they match
  feedparser's value read as markup or as text (feedparser keeps "<b>" in an HTML
  title). RSS author strings compare as in
  `gofeed_compare.person_matches`. Encodings compare by codec, with the WHATWG rule
  our decoder follows (ISO-8859-1 and US-ASCII labels mean windows-1252).
- Expressions are evaluated only after their syntax tree has been checked to contain
  nothing but comparisons, boolean logic, literals, `len`/`ord`, and subscripts or
  `.get`/`.has_key` on the names above.
"""

from __future__ import annotations

import ast
import codecs
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

from newsriver.models import ParsedEntry, ParsedFeed, Person
from tests.support.gofeed_compare import (
    CORPUS,
    FEEDPARSER_FORMATS,
    PersonView,
    html_text,
    person_matches,
)

FEEDPARSER = CORPUS / "feedparser-tests"
FOLDERS = ("wellformed", "illformed", "encoding")
# feedparser's test server served the files from here; "base" cases resolve against it.
SERVER = "http://127.0.0.1:8097/tests/"

Verdict = Literal["pass", "fail", "error", "n/a", "parse-only"]

# The fields evaluated, as key paths with "*" for any list index. Aliases follow
# feedparser's own key map (tagline/description → subtitle or summary, guid → id…).
_PERSON = (
    "author",
    "author_detail.name",
    "author_detail.email",
    "author_detail.href",
    "author_detail.url",
    "authors",
    "authors.*.name",
    "authors.*.email",
    "authors.*.href",
    "authors.*.url",
)
_FEED_KEYS = (
    "title",
    "title_detail.value",
    "link",
    "subtitle",
    "subtitle_detail.value",
    "tagline",
    "tagline_detail.value",
    "description",
    "description_detail.value",
    "language",
    "updated_parsed",
    "modified_parsed",
    "date_parsed",
    "image.href",
    "image.url",
    "icon",
    "ttl",
    "logo",
    *_PERSON,
)
_ENTRY_KEYS = (
    "title",
    "title_detail.value",
    "link",
    "id",
    "guid",
    "summary",
    "summary_detail.value",
    "description",
    "description_detail.value",
    "content.*.value",
    "published_parsed",
    "issued_parsed",
    "updated_parsed",
    "modified_parsed",
    "date_parsed",
    "enclosures",
    "enclosures.*",
    "enclosures.*.href",
    "enclosures.*.url",
    "enclosures.*.type",
    "enclosures.*.length",
    "tags.*.term",
    "tags.*.label",
    "category",
    "comments",
    "image.href",
    "media_thumbnail.*.url",
    *_PERSON,
)
SUPPORTED = frozenset(
    {"encoding", "version", "entries", "entries.*", "feed"}
    | {f"feed.{key}" for key in _FEED_KEYS}
    | {f"entries.*.{key}" for key in _ENTRY_KEYS}
)
_BUILTINS: dict[str, Callable[..., Any]] = {"len": len, "ord": ord}
# WHATWG Encoding Standard: these labels all mean windows-1252.
_WINDOWS_1252 = frozenset({"cp1252", "latin-1", "iso8859-1", "ascii"})
_DIRECTIVE = re.compile(r"^\s*(Expect|Header|Description|SkipUnless):\s*(.*?)\s*$", re.M)


@dataclass(frozen=True, slots=True)
class CorpusFile:
    """One test file and the directives of its leading comment."""

    path: Path
    name: str
    expect: str | None
    has_headers: bool
    # feedparser's own condition for running the file at all.
    skip_unless: str | None = None

    @property
    def url(self) -> str:
        """Where feedparser's test server served it: the base for relative links."""
        return SERVER + self.name


def discover_files(root: Path = FEEDPARSER) -> list[CorpusFile]:
    """Every test file, sorted; [] when the corpus is absent."""
    files = []
    for folder in FOLDERS:
        for path in sorted((root / folder).rglob("*.xml")):
            header = _header_text(path.read_bytes())
            directives: dict[str, str] = {}
            for match in _DIRECTIVE.finditer(header):
                directives.setdefault(match.group(1), match.group(2))
            name = path.relative_to(root).as_posix()
            files.append(
                CorpusFile(
                    path,
                    name,
                    directives.get("Expect"),
                    "Header" in directives,
                    directives.get("SkipUnless"),
                )
            )
    return files


def _header_text(body: bytes) -> str:
    """The file's leading comment, decoded well enough to read its ASCII directives."""
    for bom, codec in (
        (codecs.BOM_UTF32_LE, "utf-32-le"),
        (codecs.BOM_UTF32_BE, "utf-32-be"),
        (codecs.BOM_UTF16_LE, "utf-16-le"),
        (codecs.BOM_UTF16_BE, "utf-16-be"),
    ):
        if body.startswith(bom):
            return body[len(bom) :].decode(codec, errors="replace")
    head = body[:8]
    for pattern, codec in (
        (b"<\0\0\0", "utf-32-le"),
        (b"\0\0\0<", "utf-32-be"),
        (b"<\0", "utf-16-le"),
        (b"\0<", "utf-16-be"),
    ):
        if head.startswith(pattern):
            return body.decode(codec, errors="replace")
    text = body.decode("utf-8", errors="replace")
    end = text.find("-->")
    return text[: end if end >= 0 else 4096]


def not_applicable_reason(file: CorpusFile) -> str | None:
    """Why a file's expectation cannot be evaluated against our model, if it cannot."""
    if file.name.startswith("wellformed/sanitize/"):
        return "sanitising (covered by the sanitiser's tests)"
    if file.has_headers:
        return "needs HTTP headers"
    if file.name.startswith("wellformed/cdf/"):
        return "CDF, a format newsriver does not read (DESIGN.md: RSS, Atom, RDF, JSON Feed)"
    if file.skip_unless and "chardet" in file.skip_unless:
        return "needs statistical charset guessing (chardet; feedparser skips it without)"
    return None


# --- expressions ---------------------------------------------------------------------


class NotApplicableError(Exception):
    """The expression touches something our model does not carry."""


def prepare(expect: str) -> ast.Expression | None:
    """The expression without its bozo clauses; None when nothing else is left.

    Raises NotApplicableError when it uses anything outside `SUPPORTED` and `_BUILTINS`.
    """
    try:
        tree = ast.parse(expect.strip(), mode="eval")
    except SyntaxError as error:
        raise NotApplicableError(f"not Python 3: {error.msg}") from error
    body = _without_bozo(tree.body)
    if body is None or (isinstance(body, ast.Constant) and body.value):
        return None
    _check(body)
    return ast.fix_missing_locations(ast.Expression(body))


def _without_bozo(node: ast.expr) -> ast.expr | None:
    """Drop `bozo` and `not bozo` operands of a top-level `and`."""
    if _is_bozo(node):
        return None
    if isinstance(node, ast.BoolOp) and isinstance(node.op, ast.And):
        kept = [value for value in node.values if not _is_bozo(value)]
        if not kept:
            return None
        return kept[0] if len(kept) == 1 else ast.BoolOp(op=ast.And(), values=kept)
    return node


def _is_bozo(node: ast.expr) -> bool:
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
        node = node.operand
    return isinstance(node, ast.Name) and node.id == "bozo"


_ALLOWED_NODES = (
    ast.BoolOp,
    ast.And,
    ast.Or,
    ast.UnaryOp,
    ast.Not,
    ast.USub,
    ast.Compare,
    ast.Eq,
    ast.NotEq,
    ast.In,
    ast.NotIn,
    ast.Is,
    ast.IsNot,
    ast.Lt,
    ast.Gt,
    ast.LtE,
    ast.GtE,
    ast.Constant,
    ast.Tuple,
    ast.List,
    ast.Dict,
    ast.Load,
    ast.BinOp,
    ast.Add,
)


def _check(node: ast.expr) -> None:
    """Refuse anything but safe expression nodes and access paths we support."""
    for child in ast.walk(node):
        if isinstance(child, (ast.Subscript, ast.Attribute, ast.Name, ast.Call)):
            continue
        if not isinstance(child, _ALLOWED_NODES):
            raise NotApplicableError(f"uses {type(child).__name__}")
    for path in _access_paths(node):
        if path not in SUPPORTED:
            raise NotApplicableError(f"touches {path}")


def _access_paths(node: ast.AST) -> Iterator[str]:
    """Every field path the expression reads, like "entries.*.content.*.value"."""
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
        if node.func.id not in _BUILTINS:
            raise NotApplicableError(f"calls {node.func.id}")
        for argument in node.args:
            yield from _access_paths(argument)
        return
    if isinstance(node, (ast.Subscript, ast.Attribute, ast.Call, ast.Name)):
        # A whole access chain at once: its inner links are prefixes, not reads.
        yield _path(node)
        return
    if isinstance(node, ast.Compare) and isinstance(node.left, ast.Constant):
        # "'key' in feed" asks about a key of feed.
        for op, right in zip(node.ops, node.comparators, strict=True):
            if isinstance(op, (ast.In, ast.NotIn)) and isinstance(right, ast.Name):
                yield f"{right.id}.{node.left.value!s}"
    for child in ast.iter_child_nodes(node):
        yield from _access_paths(child)


def _path(node: ast.expr) -> str:
    """The key path of one access chain; raises NotApplicableError for anything else."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Subscript):
        key = node.slice
        if isinstance(key, ast.Constant) and isinstance(key.value, int):
            return _path(node.value) + ".*"
        if isinstance(key, ast.Constant) and isinstance(key.value, str):
            return f"{_path(node.value)}.{key.value}"
    if isinstance(node, ast.Attribute):
        return f"{_path(node.value)}.{node.attr}"
    if isinstance(node, ast.Call):
        function = node.func
        if (
            isinstance(function, ast.Attribute)
            and function.attr in ("get", "has_key")
            and node.args
            and isinstance(node.args[0], ast.Constant)
        ):
            return f"{_path(function.value)}.{node.args[0].value!s}"
    raise NotApplicableError(f"reads {ast.unparse(node)}")


def evaluate(tree: ast.Expression, namespace: dict[str, Any]) -> bool:
    """Evaluate a checked expression; a missing field (KeyError…) is a failed expectation."""
    code = compile(tree, "<expect>", "eval")
    try:
        return bool(eval(code, {"__builtins__": _BUILTINS}, namespace))
    except (KeyError, IndexError, AttributeError, TypeError):
        return False


# --- our feed in feedparser's shape --------------------------------------------------


class Shape(dict[str, Any]):
    """A dictionary that also answers attribute access and has_key, like feedparser's."""

    def __missing__(self, key: str) -> Any:
        # feedparser's key map: an enclosure's or a person's "url" is its "href".
        if key == "url" and "href" in self:
            return self["href"]
        raise KeyError(key)

    def __getattr__(self, name: str) -> Any:
        try:
            return self[name]
        except KeyError as error:
            raise AttributeError(name) from error

    def has_key(self, key: str) -> bool:
        """feedparser's Python 2 spelling of `key in self`."""
        return key in self


class HtmlText(str):
    """HTML that equals feedparser's value when both say the same text.

    feedparser's value is markup for HTML content but raw text for text/plain content,
    so it is read either way.
    """

    __slots__ = ()

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, str):
            return False
        return html_text(self) in (html_text(other), " ".join(other.split()))

    def __ne__(self, other: object) -> bool:
        return not self == other

    def __hash__(self) -> int:
        return hash(html_text(self))


class PlainText(str):
    """Plain text that equals feedparser's value read either as markup or as text."""

    __slots__ = ()

    def __eq__(self, other: object) -> bool:
        mine = " ".join(self.split())
        return isinstance(other, str) and mine in (html_text(other), " ".join(other.split()))

    def __ne__(self, other: object) -> bool:
        return not self == other

    def __hash__(self) -> int:
        return hash(" ".join(self.split()))


class AuthorText(str):
    """An author shown as feedparser shows one; equal to any raw string naming them."""

    person: PersonView

    def __new__(cls, person: Person) -> AuthorText:
        shown = f"{person.name} ({person.email})" if person.name and person.email else None
        text = super().__new__(cls, shown or person.display() or "")
        text.person = PersonView(person.name, person.email, person.uri)
        return text

    def __eq__(self, other: object) -> bool:
        return isinstance(other, str) and person_matches(other, self.person)

    def __ne__(self, other: object) -> bool:
        return not self == other

    def __hash__(self) -> int:
        return str.__hash__(self)


class EncodingName(str):
    """An encoding name equal to any label of the same codec (WHATWG's 1252 rule too)."""

    __slots__ = ()

    def __eq__(self, other: object) -> bool:
        return isinstance(other, str) and _codec(self) == _codec(other)

    def __ne__(self, other: object) -> bool:
        return not self == other

    def __hash__(self) -> int:
        return hash(_codec(self))


class FormatName(str):
    """Our format, equal to feedparser's name for it (it tells apart more RSS versions)."""

    __slots__ = ()

    def __eq__(self, other: object) -> bool:
        return isinstance(other, str) and FEEDPARSER_FORMATS.get(other) == str(self)

    def __ne__(self, other: object) -> bool:
        return not self == other

    def __hash__(self) -> int:
        return str.__hash__(self)


def _codec(label: str) -> str:
    try:
        name = codecs.lookup(label).name
    except LookupError:
        return label.lower()
    return "cp1252" if name in _WINDOWS_1252 else name


def feed_namespace(feed: ParsedFeed) -> dict[str, Any]:
    """The names an Expect expression reads, built from our feed."""
    return {
        "feed": _feed_shape(feed),
        "entries": [_entry_shape(entry) for entry in feed.entries],
        "encoding": EncodingName(feed.encoding),
        "version": FormatName(feed.format),
    }


def _feed_shape(feed: ParsedFeed) -> Shape:
    shape = Shape()
    _put_text(shape, ("title",), feed.title, PlainText)
    _put_text(shape, ("subtitle", "tagline", "description"), feed.description, HtmlText)
    _put(shape, "link", feed.link)
    _put(shape, "language", feed.language)
    _put(shape, "icon", feed.icon)
    _put(shape, "logo", feed.logo)
    if feed.logo:
        shape["image"] = Shape(href=feed.logo)
    for key in ("updated_parsed", "modified_parsed", "date_parsed"):
        _put(shape, key, _time_tuple(feed.updated))
    _put(shape, "ttl", None if feed.ttl is None else str(feed.ttl))
    _put_people(shape, feed.authors)
    return shape


def _entry_shape(entry: ParsedEntry) -> Shape:
    shape = Shape()
    _put_text(shape, ("title",), entry.title, PlainText)
    # feedparser copies content into summary when there is no summary.
    summary = entry.summary or entry.content
    _put_text(shape, ("summary", "description"), summary, HtmlText)
    if entry.content:
        shape["content"] = [Shape(value=HtmlText(entry.content))]
    for key in ("link", "comments"):
        _put(shape, key, getattr(entry, key))
    shape["id"] = shape["guid"] = entry.id
    for key in ("published_parsed", "issued_parsed"):
        _put(shape, key, _time_tuple(entry.published))
    # feedparser answers updated_parsed with the published date when there is no other.
    for key in ("updated_parsed", "modified_parsed", "date_parsed"):
        _put(shape, key, _time_tuple(entry.updated or entry.published))
    shape["enclosures"] = [_enclosure_shape(e.url, e.type, e.length) for e in entry.enclosures]
    shape["tags"] = [Shape(term=PlainText(c), label=PlainText(c)) for c in entry.categories]
    if entry.categories:
        shape["category"] = PlainText(entry.categories[0])
    if entry.thumbnail:
        shape["image"] = Shape(href=entry.thumbnail)
        shape["media_thumbnail"] = [Shape(url=entry.thumbnail)]
    _put_people(shape, entry.authors)
    return shape


def _enclosure_shape(url: str, mime: str | None, length: int | None) -> Shape:
    shape = Shape(href=url)
    _put(shape, "type", mime)
    _put(shape, "length", None if length is None else str(length))
    return shape


def _put(shape: Shape, key: str, value: object) -> None:
    """Set a key only when there is a value: feedparser leaves missing fields out."""
    if value is not None:
        shape[key] = value


def _put_text(shape: Shape, keys: tuple[str, ...], value: str | None, kind: type[str]) -> None:
    if value is None:
        return
    for key in keys:
        shape[key] = kind(value)
        shape[key + "_detail"] = Shape(value=kind(value))


def _put_people(shape: Shape, people: tuple[Person, ...]) -> None:
    if not people:
        return
    shape["authors"] = [_person_shape(person) for person in people]
    shape["author"] = AuthorText(people[0])
    shape["author_detail"] = _person_shape(people[0])


def _person_shape(person: Person) -> Shape:
    shape = Shape()
    _put(shape, "name", None if person.name is None else PlainText(person.name))
    _put(shape, "email", person.email)
    _put(shape, "href", person.uri)
    return shape


def _time_tuple(moment: datetime | None) -> tuple[int, ...] | None:
    """A UTC datetime as feedparser's 9-field time tuple."""
    return None if moment is None else tuple(moment.utctimetuple())
