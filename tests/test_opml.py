"""Tests for reading and writing OPML, on the shapes real exporters produce."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from lxml import etree

from newsriver.errors import OpmlError
from newsriver.feeds.opml import OpmlDocument, OpmlFeed, read_opml, write_opml

FRESHRSS_EXPORT = b"""<?xml version="1.0" encoding="UTF-8"?>
<opml version="2.0" xmlns:frss="https://freshrss.org/opml">
\t<head>
\t\t<title>FreshRSS</title>
\t\t<dateCreated>Sat, 04 May 2024 10:12:00 +0200</dateCreated>
\t</head>
\t<body>
\t\t<outline text="Uncategorized">
\t\t\t<outline text="Sample Blog" type="rss" xmlUrl="https://blog.example.org/feed/"
\t\t\t\thtmlUrl="https://blog.example.org/" description="Just another blog"/>
\t\t</outline>
\t\t<outline text="News">
\t\t\t<outline text="Example Times" type="rss" xmlUrl="https://news.example.com/rss.xml"
\t\t\t\thtmlUrl="https://news.example.com/" frss:cssFullContent="article .body"/>
\t\t\t<outline text="Daily Atom" type="rss" xmlUrl="https://daily.example.net/atom"
\t\t\t\thtmlUrl="https://daily.example.net/"/>
\t\t</outline>
\t\t<outline text="Empty category"/>
\t</body>
</opml>
"""

MINIFLUX_EXPORT = b"""<?xml version="1.0" encoding="UTF-8"?>
<opml version="2.0">
    <head>
        <title>Miniflux</title>
        <dateCreated>Sat, 04 May 2024 08:00:00 UTC</dateCreated>
    </head>
    <body>
        <outline text="All">
            <outline title="The Go Blog" text="The Go Blog" xmlUrl="https://go.dev/blog/feed.atom"
                htmlUrl="https://go.dev/blog" description="The Go Blog"></outline>
        </outline>
        <outline text="Podcasts">
            <outline title="Example Cast" text="Example Cast"
                xmlUrl="https://cast.example.com/episodes.rss"
                htmlUrl="https://cast.example.com/"></outline>
        </outline>
    </body>
</opml>
"""

FEEDLY_NESTED_EXPORT = b"""<?xml version="1.0" encoding="UTF-8"?>
<opml version="1.0">
  <head>
    <title>Jane subscriptions in feedly Cloud</title>
  </head>
  <body>
    <outline text="Tech" title="Tech">
      <outline type="rss" text="Ars Example" title="Ars Example"
        xmlUrl="https://ars.example.com/feed/" htmlUrl="https://ars.example.com"/>
      <outline text="Programming" title="Programming">
        <outline type="rss" text="Python Insider" title="Python Insider"
          xmlUrl="https://pyinsider.example.org/feeds/posts/default"
          htmlUrl="https://pyinsider.example.org/"/>
        <outline text="Libraries">
          <outline type="atom" text="Deep" xmlurl="https://deep.example.org/atom.xml"/>
        </outline>
      </outline>
    </outline>
    <outline text="Must Read" title="Must Read">
      <outline type="rss" text="Python Insider again" title="Python Insider again"
        xmlUrl="https://pyinsider.example.org/feeds/posts/default"/>
    </outline>
    <outline type="rss" text="Loose feed" XMLURL="https://loose.example.com/rss"
      HTMLURL="https://loose.example.com/"/>
  </body>
</opml>
"""


def urls(document: OpmlDocument) -> list[str]:
    return [feed.xml_url for feed in document.feeds]


# --- real-world exports ---------------------------------------------------------------


def test_freshrss_export() -> None:
    document = read_opml(FRESHRSS_EXPORT)

    assert document.title == "FreshRSS"
    assert document.feeds == (
        OpmlFeed(
            "https://blog.example.org/feed/",
            "Sample Blog",
            "https://blog.example.org/",
            "Uncategorized",
        ),
        OpmlFeed(
            "https://news.example.com/rss.xml", "Example Times", "https://news.example.com/", "News"
        ),
        OpmlFeed(
            "https://daily.example.net/atom", "Daily Atom", "https://daily.example.net/", "News"
        ),
    )
    # The empty folder is reported, by name and line, rather than silently dropped.
    assert len(document.problems) == 1
    assert '"Empty category"' in document.problems[0]
    assert "line 18" in document.problems[0]


def test_miniflux_export() -> None:
    document = read_opml(MINIFLUX_EXPORT)

    assert document.title == "Miniflux"
    assert [(f.title, f.category, f.html_url) for f in document.feeds] == [
        ("The Go Blog", "All", "https://go.dev/blog"),
        ("Example Cast", "Podcasts", "https://cast.example.com/"),
    ]
    assert document.problems == ()


def test_feedly_nested_categories_use_nearest_folder_and_keep_path() -> None:
    document = read_opml(FEEDLY_NESTED_EXPORT)

    by_url = {feed.xml_url: feed for feed in document.feeds}
    assert by_url["https://ars.example.com/feed/"].category_path == ("Tech",)
    python = by_url["https://pyinsider.example.org/feeds/posts/default"]
    assert python.category == "Programming"
    assert python.category_path == ("Tech", "Programming")
    assert python.category_display == "Tech / Programming"
    deep = by_url["https://deep.example.org/atom.xml"]
    assert deep.category == "Libraries"
    assert deep.category_path == ("Tech", "Programming", "Libraries")
    loose = by_url["https://loose.example.com/rss"]
    assert (loose.category, loose.category_path, loose.title) == (None, (), "Loose feed")
    assert loose.html_url == "https://loose.example.com/"


def test_duplicate_feed_is_kept_once_and_reported() -> None:
    document = read_opml(FEEDLY_NESTED_EXPORT)

    assert urls(document).count("https://pyinsider.example.org/feeds/posts/default") == 1
    # The first occurrence wins, with its category.
    python = next(f for f in document.feeds if "pyinsider" in f.xml_url)
    assert python.title == "Python Insider"
    assert any('"Python Insider again"' in p and "first" in p for p in document.problems)


def test_title_attribute_wins_over_text_and_type_is_ignored() -> None:
    data = b"""<opml version="2.0"><body>
      <outline text="Text only" xmlUrl="https://a.example/feed"/>
      <outline text="The text" title="The title" type="atom" xmlUrl="https://b.example/feed"/>
      <outline type="link" xmlUrl="https://c.example/feed"/>
      <outline text="  Spaced \n  out  " type="whatever" xmlUrl="  https://d.example/feed  "/>
    </body></opml>"""

    document = read_opml(data)

    assert [(f.xml_url, f.title) for f in document.feeds] == [
        ("https://a.example/feed", "Text only"),
        ("https://b.example/feed", "The title"),
        ("https://c.example/feed", None),
        ("https://d.example/feed", "Spaced out"),
    ]


def test_untitled_folder_does_not_add_a_level() -> None:
    data = b"""<opml><body><outline text="Outer"><outline>
      <outline text="F" xmlUrl="https://f.example/rss"/>
    </outline></outline></body></opml>"""

    (feed,) = read_opml(data).feeds

    assert feed.category_path == ("Outer",)


def test_outlines_inside_a_feed_outline_stay_in_its_folder() -> None:
    data = b"""<opml><body><outline text="News">
      <outline text="Parent" xmlUrl="https://p.example/rss">
        <outline text="Child" xmlUrl="https://c.example/rss"/>
      </outline>
    </outline></body></opml>"""

    feeds = read_opml(data).feeds

    assert [(f.title, f.category_path) for f in feeds] == [
        ("Parent", ("News",)),
        ("Child", ("News",)),
    ]


def test_empty_body_is_an_empty_document() -> None:
    document = read_opml(b'<opml version="2.0"><head/><body/></opml>')

    assert document == OpmlDocument(title=None, feeds=(), problems=())


# --- unusable outlines ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("outline", "reason"),
    [
        ('<outline text="No URL" type="rss" htmlUrl="https://x.example/"/>', "no xmlUrl"),
        ('<outline text="Blank" xmlUrl="   "/>', "empty"),
        ('<outline text="Script" xmlUrl="javascript:alert(1)"/>', "unsupported scheme"),
        ('<outline text="Local" xmlUrl="file:///etc/passwd"/>', "unsupported scheme"),
        ('<outline text="Old" xmlUrl="feed://x.example/rss"/>', "unsupported scheme"),
        ('<outline text="Mail" xmlUrl="mailto:a@x.example"/>', "unsupported scheme"),
        ('<outline text="Relative" xmlUrl="/feed.xml"/>', "not an absolute URL"),
        ('<outline text="Hostless" xmlUrl="https:///feed"/>', "no host"),
        ('<outline text="Broken" xmlUrl="http://[::1/feed"/>', "invalid URL"),
    ],
)
def test_unusable_outline_is_reported_by_name(outline: str, reason: str) -> None:
    data = f"""<opml><body>
      <outline text="Good" xmlUrl="https://good.example/feed"/>
      {outline}
    </body></opml>""".encode()

    document = read_opml(data)

    assert urls(document) == ["https://good.example/feed"]
    (problem,) = document.problems
    assert reason in problem
    assert "line 3" in problem
    name = outline.split('"')[1]
    assert f'"{name}"' in problem


def test_long_outline_names_are_shortened_in_problems() -> None:
    name = "x" * 500
    document = read_opml(f'<opml><body><outline text="{name}"/></body></opml>'.encode())

    (problem,) = document.problems
    assert len(problem) < 200


# --- broken files ---------------------------------------------------------------------


def test_html_entities_and_stray_ampersands_are_repaired() -> None:
    data = b"""<?xml version="1.0" encoding="UTF-8"?>
<opml version="1.0"><head><title>Mes abonnements &mdash; caf&eacute;</title></head><body>
  <outline text="Tom &amp; Jerry" xmlUrl="https://tj.example/rss?a=1&amp;b=2"/>
  <outline text="Caf&eacute;&nbsp;&amp; cr&egrave;me" xmlUrl="https://cafe.example/feed"/>
  <outline text="Query" xmlUrl="https://q.example/index.php?format=rss&id=7"/>
  <outline text="Twice" title="Q&amp;amp;A &amp;lt;daily&amp;gt;" xmlUrl="https://qa.example/"/>
</body></opml>"""

    document = read_opml(data)

    assert document.title == "Mes abonnements — café"
    assert [(f.title, f.xml_url) for f in document.feeds] == [
        ("Tom & Jerry", "https://tj.example/rss?a=1&b=2"),
        ("Café & crème", "https://cafe.example/feed"),
        # The unescaped "&id" is kept, not eaten as an undefined entity.
        ("Query", "https://q.example/index.php?format=rss&id=7"),
        # Exporters that escape twice get undone once.
        ("Q&A <daily>", "https://qa.example/"),
    ]
    (problem,) = document.problems
    assert "not well-formed" in problem
    assert "HTML entity replaced" in problem
    assert "bare ampersand escaped" in problem


def test_truncated_file_keeps_what_came_before_the_cut() -> None:
    cut = FRESHRSS_EXPORT.index(b"https://daily.example.net/atom") + 10
    document = read_opml(FRESHRSS_EXPORT[:cut])

    assert urls(document) == ["https://blog.example.org/feed/", "https://news.example.com/rss.xml"]
    assert document.feeds[1].category == "News"
    assert "only what could be recovered" in document.problems[0]
    # The outline whose xmlUrl was cut off is named among the problems.
    assert any('"Daily Atom"' in p for p in document.problems[1:])


def test_bom_with_windows_1252_declaration_trusts_the_bom() -> None:
    body = '<opml version="1.0"><head><title>Café ’s</title></head><body>'
    body += '<outline text="Résumé" xmlUrl="https://r.example/feed"/></body></opml>'
    data = b'\xef\xbb\xbf<?xml version="1.0" encoding="windows-1252"?>\n' + body.encode()

    document = read_opml(data)

    assert document.title == "Café ’s"
    assert document.feeds[0].title == "Résumé"


def test_windows_1252_declared_file() -> None:
    data = (
        '<?xml version="1.0" encoding="windows-1252"?>\n'
        '<opml version="1.0"><head><title>Café “quotes”</title></head><body>'
        '<outline text="Résumé" xmlUrl="https://r.example/feed"/></body></opml>'
    ).encode("cp1252")

    document = read_opml(data)

    assert document.title == "Café “quotes”"
    assert document.feeds[0].title == "Résumé"
    assert document.problems == ()


def test_undeclared_windows_1252_file_is_read_as_windows_1252() -> None:
    data = (
        '<opml version="1.0"><body><outline text="Résumé ’" xmlUrl="https://r.example/feed"/>'
        "</body></opml>"
    ).encode("cp1252")

    document = read_opml(data)

    assert document.feeds[0].title == "Résumé ’"
    assert "Windows-1252" in document.problems[0]


def test_windows_1252_file_declared_utf8_is_read_as_windows_1252() -> None:
    data = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<opml version="1.0"><head><title>Café “quotes”</title></head><body>'
        '<outline text="Résumé – €" xmlUrl="https://r.example/feed"/></body></opml>'
    ).encode("cp1252")

    document = read_opml(data)

    assert document.title == "Café “quotes”"
    assert document.feeds[0].title == "Résumé – €"
    (problem,) = document.problems
    assert "not UTF-8" in problem
    assert "windows-1252" in problem


def test_utf16_file() -> None:
    text = '<?xml version="1.0" encoding="UTF-16"?><opml><body>'
    text += '<outline text="Ünïcode" xmlUrl="https://u.example/feed"/></body></opml>'

    document = read_opml(text.encode("utf-16"))

    assert document.feeds[0].title == "Ünïcode"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "empty"),
        (b"   \n", "not an OPML file"),
        (b"this is not xml", "not an OPML file"),
        (b'{"feeds": []}', "not an OPML file"),
        (b"<html><body><p>Oops</body></html>", "<html>"),
        (b'<rss version="2.0"><channel><title>x</title></channel></rss>', "<rss>"),
        (b'<opml version="2.0"><head><title>No body</title></head></opml>', "no <body>"),
    ],
)
def test_unreadable_files_raise_opml_error(data: bytes, message: str) -> None:
    with pytest.raises(OpmlError, match=message):
        read_opml(data)


# --- hostile files --------------------------------------------------------------------


def xxe_opml(target: str) -> bytes:
    return f"""<?xml version="1.0"?>
<!DOCTYPE opml [ <!ENTITY xxe SYSTEM "{target}"> ]>
<opml version="2.0">
  <head><title>Leak: &xxe;</title></head>
  <body>
    <outline text="Leak &xxe;" xmlUrl="https://evil.example/feed"/>
    <outline text="Plain" xmlUrl="https://plain.example/feed"/>
  </body>
</opml>""".encode()


def all_text(document: OpmlDocument) -> str:
    return repr(document)


def test_external_entity_is_not_read() -> None:
    document = read_opml(xxe_opml("file:///etc/passwd"))

    assert "root:" not in all_text(document)
    assert "/bin/" not in all_text(document)
    assert "https://plain.example/feed" in urls(document)


def test_external_entity_pointing_to_a_known_file_is_not_read(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-CONTENT")

    document = read_opml(xxe_opml(secret.as_uri()))

    assert "TOP-SECRET" not in all_text(document)
    # libxml2 refuses the reference in an attribute, so the file is repaired as feeds
    # are: the DOCTYPE goes and the undefined reference is kept as text.
    assert document.title == "Leak: &xxe;"
    assert [f.title for f in document.feeds] == ["Leak &xxe;", "Plain"]
    (problem,) = document.problems
    assert "DOCTYPE removed" in problem


def test_external_entity_in_text_only_leaves_text_without_it(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-CONTENT")
    data = f"""<!DOCTYPE opml [ <!ENTITY xxe SYSTEM "{secret.as_uri()}"> ]>
<opml><head><title>Before &xxe; after</title></head><body/></opml>""".encode()

    document = read_opml(data)

    assert document.title == "Before after"
    assert document.problems == ()


def test_billion_laughs_is_not_expanded() -> None:
    levels = ['<!ENTITY lol0 "lol">']
    levels += [f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, 10)]
    data = f"""<?xml version="1.0"?>
<!DOCTYPE opml [ {" ".join(levels)} ]>
<opml><head><title>&lol9;</title></head><body>
  <outline text="&lol9;" xmlUrl="https://lol.example/feed"/>
</body></opml>""".encode()

    started = time.monotonic()
    try:
        document = read_opml(data)
    except OpmlError:
        pass  # refusing the whole file is an acceptable answer
    else:
        assert len(all_text(document)) < 10_000
    assert time.monotonic() - started < 2


# --- writing --------------------------------------------------------------------------


def test_write_groups_by_category_in_order_of_appearance() -> None:
    feeds = [
        OpmlFeed("https://a.example/feed", "A", "https://a.example/", "News"),
        OpmlFeed("https://b.example/feed", "B", None, None),
        OpmlFeed("https://c.example/feed", "C", None, "Tech"),
        OpmlFeed("https://d.example/feed", "D", None, "News"),
    ]

    root = etree.fromstring(write_opml(feeds))

    assert root.get("version") == "2.0"
    body = root.find("body")
    assert body is not None
    top = [(o.get("text"), o.get("xmlUrl")) for o in body]
    assert top == [("News", None), ("B", "https://b.example/feed"), ("Tech", None)]
    news = body[0]
    assert [o.get("xmlUrl") for o in news] == ["https://a.example/feed", "https://d.example/feed"]
    first = news[0]
    assert dict(first.attrib.items()) == {
        "text": "A",
        "title": "A",
        "type": "rss",
        "xmlUrl": "https://a.example/feed",
        "htmlUrl": "https://a.example/",
    }


def test_write_is_utf8_opml_without_a_date_unless_given() -> None:
    data = write_opml([], title="Mine")

    assert data.startswith(b"<?xml version='1.0' encoding='UTF-8'?>")
    assert b"dateCreated" not in data
    assert b"<title>Mine</title>" in data
    dated = write_opml([], created=datetime(2024, 5, 4, 8, 30, tzinfo=UTC))
    assert b"<dateCreated>Sat, 04 May 2024 08:30:00 +0000</dateCreated>" in dated


def test_write_escapes_and_drops_characters_xml_cannot_carry() -> None:
    feed = OpmlFeed(
        'https://x.example/rss?a=1&b="2"',
        'Tom & Jerry <"live">\x01',
        None,
        "R&D <lab>",
    )

    data = write_opml([feed])

    assert b"&amp;" in data
    assert b"\x01" not in data
    (back,) = read_opml(data).feeds
    assert back.xml_url == 'https://x.example/rss?a=1&b="2"'
    assert back.title == 'Tom & Jerry <"live">'
    assert back.category == "R&D <lab>"
    assert read_opml(data).problems == ()


def test_write_untitled_feed_and_duplicate() -> None:
    feeds = [OpmlFeed("https://x.example/rss"), OpmlFeed("https://x.example/rss", "Again")]

    root = etree.fromstring(write_opml(feeds))

    outlines = list(root.iter("outline"))
    assert len(outlines) == 1
    assert outlines[0].get("text") == ""
    assert outlines[0].get("title") is None


def test_round_trip_of_real_exports() -> None:
    for export in (FRESHRSS_EXPORT, MINIFLUX_EXPORT, FEEDLY_NESTED_EXPORT):
        feeds = read_opml(export).feeds

        again = read_opml(write_opml(feeds))

        assert again.feeds == feeds
        assert again.problems == ()


_WORD = st.text(
    st.characters(categories=("L", "N", "P", "S"), exclude_characters="&"),
    min_size=1,
    max_size=8,
)
_NAME = st.lists(_WORD, min_size=1, max_size=4).map(" ".join)
_FEED = st.builds(
    OpmlFeed,
    xml_url=st.from_regex(r"https://[a-z]{1,10}\.example/[a-z0-9/?=&]{0,20}", fullmatch=True),
    title=st.none() | _NAME,
    html_url=st.none() | st.just("https://site.example/"),
    category_path=st.lists(_NAME, max_size=3).map(tuple),
)


@given(st.lists(_FEED, max_size=8, unique_by=lambda feed: feed.xml_url))
def test_round_trip_property(feeds: list[OpmlFeed]) -> None:
    document = read_opml(write_opml(feeds))

    # Writing groups by folder, so compare as sets of feeds rather than sequences.
    assert sorted(document.feeds, key=repr) == sorted(feeds, key=repr)
    assert document.problems == ()


# --- the data classes -----------------------------------------------------------------


def test_category_and_path_are_kept_consistent() -> None:
    assert OpmlFeed("https://x.example/", category="News").category_path == ("News",)
    assert OpmlFeed("https://x.example/", category_path=("A", "B")).category == "B"
    with pytest.raises(ValueError, match="last element"):
        OpmlFeed("https://x.example/", category="C", category_path=("A", "B"))
