"""Tests for finding feeds in web pages, on the markup real sites serve."""

from __future__ import annotations

import pytest

from newsriver.feeds.discovery import (
    GUESS_PATHS,
    MAX_PAGE_BYTES,
    DiscoveredFeed,
    discover_feeds,
)

WORDPRESS_PAGE = b"""<!DOCTYPE html>
<html lang="en-US">
<head>
<meta charset="UTF-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Example Blog &#8211; Just another WordPress site</title>
<link rel='dns-prefetch' href='//fonts.googleapis.com' />
<link rel="alternate" type="application/rss+xml" title="Example Blog &raquo; Feed"
  href="https://blog.example.com/feed/" />
<link rel="alternate" type="application/rss+xml" title="Example Blog &raquo; Comments Feed"
  href="https://blog.example.com/comments/feed/" />
<link rel='stylesheet' id='wp-block-library-css'
  href='https://blog.example.com/wp-includes/css/dist/block-library/style.min.css?ver=6.5'
  media='all' />
<link rel="https://api.w.org/" href="https://blog.example.com/wp-json/" />
<link rel="alternate" title="JSON" type="application/json"
  href="https://blog.example.com/wp-json/wp/v2/pages/2" />
<link rel="EditURI" type="application/rsd+xml" title="RSD"
  href="https://blog.example.com/xmlrpc.php?rsd" />
<link rel="canonical" href="https://blog.example.com/" />
<link rel="alternate" type="application/json+oembed"
  href="https://blog.example.com/wp-json/oembed/1.0/embed?url=https%3A%2F%2Fblog.example.com%2F" />
<link rel="alternate" type="text/xml+oembed"
  href="https://blog.example.com/wp-json/oembed/1.0/embed?url=https%3A%2F%2Fb.example&#038;format=xml"
  />
</head>
<body class="home blog wp-embed-responsive">
<header><h1><a href="https://blog.example.com/">Example Blog</a></h1></header>
<main><article><h2><a href="https://blog.example.com/2024/05/hello-world/">Hello world!</a></h2>
<p>Welcome to WordPress.</p></article></main>
<footer><a href="https://blog.example.com/feed/">Entries feed</a>
<a href="https://blog.example.com/comments/feed/">Comments feed</a>
<a href="https://wordpress.org/">WordPress.org</a></footer>
</body>
</html>
"""

BLOGGER_PAGE = b"""<!DOCTYPE html>
<html class='v2' dir='ltr' xmlns='http://www.w3.org/1999/xhtml'
  xmlns:b='http://www.google.com/2005/gml/b' xmlns:data='http://www.google.com/2005/gml/data'>
<head>
<meta content='text/html; charset=UTF-8' http-equiv='Content-Type'/>
<link href='https://diary.blogspot.com/2024/05/spring.html' rel='canonical'/>
<link rel="alternate" type="application/atom+xml" title="Example Diary - Atom"
  href="https://diary.blogspot.com/feeds/posts/default" />
<link rel="alternate" type="application/rss+xml" title="Example Diary - RSS"
  href="https://diary.blogspot.com/feeds/posts/default?alt=rss" />
<link rel="service.post" type="application/atom+xml" title="Example Diary - Atom"
  href="https://www.blogger.com/feeds/1234567890/posts/default" />
<link rel="alternate" type="application/atom+xml" title="Example Diary - Atom"
  href="https://diary.blogspot.com/feeds/9876543210/comments/default" />
<link rel="me" href="https://www.blogger.com/profile/0000000000" />
<link rel="openid.server" href="https://www.blogger.com/openid-server.g" />
<title>Example Diary: Spring</title>
</head>
<body><div class='post-body'>Blossoms.</div></body>
</html>
"""

GHOST_PAGE = b"""<!DOCTYPE html>
<html lang="en"><head>
    <meta charset="utf-8">
    <title>Field Notes</title>
    <link rel="canonical" href="https://notes.example.io/">
    <meta name="referrer" content="no-referrer-when-downgrade">
    <link rel="amphtml" href="https://notes.example.io/amp/">
    <meta name="generator" content="Ghost 5.82">
    <link rel="alternate" type="application/rss+xml" title="Field Notes"
      href="https://notes.example.io/rss/">
    <script defer src="https://cdn.example.net/portal.min.js" data-ghost="https://notes.example.io/"></script>
</head><body class="home-template"><a href="/about/">About</a></body></html>
"""

HUGO_PAGE = b"""<!doctype html>
<html lang="en-gb">
<head>
<meta charset="utf-8">
<meta name="generator" content="Hugo 0.125.4">
<title>Ana's site</title>
<link rel="alternate" type="application/rss+xml" href="/index.xml" title="Ana's site">
<link rel="alternate" type="application/json" href="/index.json" title="JSON Feed">
<link rel="alternate" type="application/json" href="/search/index.json">
<link rel="alternate" hreflang="fr" href="https://ana.example/fr/">
<link rel="stylesheet" href="/css/main.css">
</head>
<body><nav><a href="/posts/">Posts</a> <a href="/tags/go/index.xml">Go tag feed</a></nav></body>
</html>
"""

YOUTUBE_LIKE_PAGE = b"""<!DOCTYPE html><html style="font-size: 10px;font-family: Roboto, Arial"
 lang="en" system-icons darker-dark-theme><head>
<script nonce="abc">var ytcfg = {"INNERTUBE_API_KEY": "xyz", "links": "<a href='/feed'>"};</script>
<link rel="shortcut icon" href="https://www.youtube.com/s/desktop/favicon.ico" type="image/x-icon">
<link rel="canonical" href="https://www.youtube.com/channel/UCabcdefghijklmnop">
<link rel="alternate" media="handheld" href="https://m.youtube.com/channel/UCabcdefghijklmnop">
<link rel="alternate" media="only screen and (max-width: 640px)"
 href="https://m.youtube.com/channel/UCabcdefghijklmnop">
<title>Example Channel - YouTube</title>
<link rel="alternate" href="android-app://com.google.android.youtube/http/www.youtube.com/channel/UCabcdefghijklmnop">
<link rel="alternate" href="ios-app://544007664/vnd.youtube/www.youtube.com/channel/UCabcdefghijklmnop">
<link rel="alternate" type="application/rss+xml" title="RSS"
 href="https://www.youtube.com/feeds/videos.xml?channel_id=UCabcdefghijklmnop">
<link rel="alternate" type="application/json+oembed"
 href="https://www.youtube.com/oembed?format=json&amp;url=https%3A%2F%2Fwww.youtube.com%2Fchannel%2FUCabcdefghijklmnop"
 title="Example Channel">
<link rel="alternate" type="text/xml+oembed"
 href="https://www.youtube.com/oembed?format=xml&amp;url=https%3A%2F%2Fwww.youtube.com%2Fchannel%2FUCabcdefghijklmnop"
 title="Example Channel">
</head><body><ytd-app></ytd-app></body></html>
"""


def found(html: bytes | str, url: str) -> list[tuple[str, str]]:
    return [(feed.source, feed.url) for feed in discover_feeds(html, url)]


# --- announced feeds ------------------------------------------------------------------


def test_wordpress_head_gives_post_and_comment_feeds_only() -> None:
    feeds = discover_feeds(WORDPRESS_PAGE, "https://blog.example.com/")

    assert feeds == [
        DiscoveredFeed(
            "https://blog.example.com/feed/", "Example Blog » Feed", "application/rss+xml", "link"
        ),
        DiscoveredFeed(
            "https://blog.example.com/comments/feed/",
            "Example Blog » Comments Feed",
            "application/rss+xml",
            "link",
        ),
    ]


def test_blogger_head_keeps_every_alternate_in_order_and_skips_service_links() -> None:
    feeds = discover_feeds(BLOGGER_PAGE, "https://diary.blogspot.com/2024/05/spring.html")

    assert [(f.url, f.type) for f in feeds] == [
        ("https://diary.blogspot.com/feeds/posts/default", "application/atom+xml"),
        ("https://diary.blogspot.com/feeds/posts/default?alt=rss", "application/rss+xml"),
        ("https://diary.blogspot.com/feeds/9876543210/comments/default", "application/atom+xml"),
    ]
    assert feeds[0].title == "Example Diary - Atom"


def test_ghost_page() -> None:
    assert discover_feeds(GHOST_PAGE, "https://notes.example.io/") == [
        DiscoveredFeed(
            "https://notes.example.io/rss/", "Field Notes", "application/rss+xml", "link"
        )
    ]


def test_hugo_page_resolves_relative_links_and_tells_json_feed_from_json() -> None:
    feeds = discover_feeds(HUGO_PAGE, "https://ana.example/posts/first/")

    assert [(f.source, f.url, f.type, f.title) for f in feeds] == [
        ("link", "https://ana.example/index.xml", "application/rss+xml", "Ana's site"),
        ("link", "https://ana.example/index.json", "application/json", "JSON Feed"),
        ("anchor", "https://ana.example/tags/go/index.xml", None, "Go tag feed"),
    ]


def test_youtube_like_channel_page_gives_only_the_rss_link() -> None:
    url = "https://www.youtube.com/channel/UCabcdefghijklmnop"

    assert found(YOUTUBE_LIKE_PAGE, url) == [
        ("link", "https://www.youtube.com/feeds/videos.xml?channel_id=UCabcdefghijklmnop")
    ]


@pytest.mark.parametrize(
    ("link", "expected"),
    [
        ('<link rel="alternate" type="application/atom+xml" href="/a">',
         ("/a", None, "application/atom+xml")),
        ('<link rel="alternate" type="application/feed+json" href="/a">',
         ("/a", None, "application/feed+json")),
        ('<link rel="alternate" type="application/rdf+xml" href="/a">',
         ("/a", None, "application/rdf+xml")),
        ('<LINK REL="Alternate" TYPE="Application/RSS+XML" HREF="/a">',
         ("/a", None, "application/rss+xml")),
        ('<link rel="alternate" type="application/rss+xml; charset=utf-8" href="/a">',
         ("/a", None, "application/rss+xml")),
        ('<link rel="home alternate" type="application/rss+xml" href="/a">',
         ("/a", None, "application/rss+xml")),
        ('<link rel="alternate" type="text/xml" title=" RSS  2.0 " href="/a">',
         ("/a", "RSS 2.0", "text/xml")),
        ('<link rel="alternate" type="application/xml" href="/a/feed">',
         ("/a/feed", None, "application/xml")),
        ('<link rel="alternate" type="application/json" href="/feed.json">',
         ("/feed.json", None, "application/json")),
        ('<link rel="feed" href="/a">', ("/a", None, None)),
        ('<link rel="feed" type="application/atom+xml" href="/a">',
         ("/a", None, "application/atom+xml")),
    ],
)  # fmt: skip
def test_link_kinds_that_announce_a_feed(
    link: str, expected: tuple[str, str | None, str | None]
) -> None:
    page = f"<html><head>{link}</head><body></body></html>"
    path, title, mime = expected

    assert discover_feeds(page, "https://site.example/x") == [
        DiscoveredFeed("https://site.example" + path, title, mime, "link")
    ]


@pytest.mark.parametrize(
    "link",
    [
        '<link rel="stylesheet" type="text/css" href="/a.css">',
        '<link rel="alternate" href="/fr/">',
        '<link rel="alternate" type="text/html" hreflang="de" href="/de/">',
        '<link rel="alternate" type="application/xml" href="/sitemap.xml">',
        '<link rel="alternate" type="application/json" href="/wp-json/wp/v2/posts/7">',
        '<link rel="feed" type="text/html" href="/notes">',
        '<link rel="service.post" type="application/atom+xml" href="/post">',
        '<link rel="alternate" type="application/rss+xml">',
    ],
)
def test_links_that_are_not_feeds(link: str) -> None:
    page = f"<html><head>{link}</head></html>"

    assert {f.source for f in discover_feeds(page, "https://site.example/")} == {"guess"}


# --- resolution and safety ------------------------------------------------------------


def test_relative_links_honour_base_href() -> None:
    page = b"""<html><head>
      <base href="/blog/">
      <link rel="alternate" type="application/rss+xml" href="feed.xml">
      <link rel="alternate" type="application/atom+xml" href="../atom.xml">
      <link rel="alternate" type="application/rss+xml" href="//cdn.example.org/podcast.rss">
    </head><body><a href="rss">RSS</a><a href="posts/2.html">Next</a></body></html>"""

    assert found(page, "https://example.org/blog/post/1.html") == [
        ("link", "https://example.org/blog/feed.xml"),
        ("link", "https://example.org/atom.xml"),
        ("link", "https://cdn.example.org/podcast.rss"),
        ("anchor", "https://example.org/blog/rss"),
    ]


def test_unsafe_base_is_ignored() -> None:
    page = b"""<head><base href="javascript:alert(1)//">
      <link rel="alternate" type="application/rss+xml" href="feed.xml"></head>"""

    assert found(page, "https://example.org/dir/page") == [
        ("link", "https://example.org/dir/feed.xml")
    ]


@pytest.mark.parametrize(
    "href",
    [
        "javascript:alert(1)",
        "JavaScript:alert(document.cookie)",
        "data:application/rss+xml;base64,PHJzcz48L3Jzcz4=",
        "file:///etc/passwd",
        "mailto:feeds@example.org",
        "ftp://example.org/feed.xml",
        "   ",
    ],
)
def test_unsafe_or_unfetchable_links_are_dropped(href: str) -> None:
    page = f"""<head><link rel="alternate" type="application/rss+xml" href="{href}"></head>
      <body><a href="{href}">feed</a></body>"""

    assert {f.source for f in discover_feeds(page, "https://example.org/")} == {"guess"}


def test_duplicates_are_dropped_keeping_the_first_and_fragments_ignored() -> None:
    page = b"""<head>
      <link rel="alternate" type="application/rss+xml" title="Main" href="/feed">
      <link rel="alternate" type="application/atom+xml" title="Same" href="/feed#atom">
      <link rel="feed" href="https://example.org/feed">
    </head><body><a href="/feed">Subscribe</a></body>"""

    assert discover_feeds(page, "https://example.org/") == [
        DiscoveredFeed("https://example.org/feed", "Main", "application/rss+xml", "link")
    ]


# --- anchors --------------------------------------------------------------------------


def test_anchors_to_feed_paths_on_the_same_site() -> None:
    page = b"""<html><body>
      <a href="/feed/">Entries <b>RSS</b></a>
      <a href="https://www.example.org/blog.atom" title="Atom feed"><img src="atom.png"></a>
      <a href="/feed.json">JSON</a>
      <a href="/feedback">Tell us</a>
      <a href="/rss-policy.html">About RSS</a>
      <a href="https://feeds.feedburner.com/example/rss">Feedburner</a>
      <a href="https://other.example/feed.xml">Friend</a>
      <a href="/tag/python/rss.xml?page=1">Python</a>
      <a>No href</a>
    </body></html>"""

    feeds = discover_feeds(page, "https://example.org/")

    assert [(f.source, f.url, f.title) for f in feeds] == [
        ("anchor", "https://example.org/feed/", "Entries RSS"),
        ("anchor", "https://www.example.org/blog.atom", "Atom feed"),
        ("anchor", "https://example.org/feed.json", "JSON"),
        ("anchor", "https://example.org/tag/python/rss.xml?page=1", "Python"),
    ]
    assert all(f.type is None for f in feeds)


def test_links_come_before_anchors() -> None:
    page = b"""<body><a href="/rss.xml">RSS</a>
      <link rel="alternate" type="application/atom+xml" href="/atom.xml"></body>"""

    assert found(page, "https://example.org/") == [
        ("link", "https://example.org/atom.xml"),
        ("anchor", "https://example.org/rss.xml"),
    ]


# --- guesses --------------------------------------------------------------------------


def test_page_without_feeds_gives_guesses_on_its_origin() -> None:
    page = b"<html><head><title>Plain</title></head><body><a href='/about'>About</a></body></html>"

    feeds = discover_feeds(page, "https://user:secret@Example.org:8443/some/deep/page?q=1#top")

    assert [f.url for f in feeds] == [
        "https://Example.org:8443/feed",
        "https://Example.org:8443/rss",
        "https://Example.org:8443/atom.xml",
        "https://Example.org:8443/feed.xml",
        "https://Example.org:8443/rss.xml",
        "https://Example.org:8443/index.xml",
        "https://Example.org:8443/feed.json",
        "https://Example.org:8443/?feed=rss2",
    ]
    assert len(feeds) == len(GUESS_PATHS)
    assert {(f.source, f.title, f.type) for f in feeds} == {("guess", None, None)}


def test_guesses_only_when_nothing_was_found() -> None:
    assert {f.source for f in discover_feeds(GHOST_PAGE, "https://notes.example.io/")} == {"link"}


@pytest.mark.parametrize("url", ["", "not a url", "/relative/page", "file:///home/me/page.html"])
def test_no_guesses_without_an_http_page_url(url: str) -> None:
    assert discover_feeds(b"<html></html>", url) == []


# --- robustness -----------------------------------------------------------------------


def test_broken_html() -> None:
    page = b"""<html><head><title>Broken</title>
      <link rel=alternate type=application/rss+xml href=/feed.rss title="Unquoted">
      <div><p>unclosed <b>tags
      <LINK REL="alternate FEED" HREF="/all.atom" TITLE='Mixed "quotes'>
      </head></head><body><table><tr><td><a href="/rss">RSS</td></table>
      <a href="/atom.xml" <<>> broken attr="x>Atom</a>
      \x00\xff\xfe</body></html></html>"""

    result = found(page, "https://broken.example/")

    assert result[:3] == [
        ("link", "https://broken.example/feed.rss"),
        ("link", "https://broken.example/all.atom"),
        ("anchor", "https://broken.example/rss"),
    ]
    # How the mangled last anchor is recovered is libxml2's business; its URL survives.
    assert ("anchor", "https://broken.example/atom.xml") in result


@pytest.mark.parametrize("page", [b"", b"   ", b"\x00\x00\x00", "", b"<<<>>>", b"\xff\xfe\x00"])
def test_empty_or_garbage_pages_give_guesses(page: bytes | str) -> None:
    assert {f.source for f in discover_feeds(page, "https://example.org/")} == {"guess"}


def test_only_the_first_megabytes_are_read() -> None:
    link = b'<link rel="alternate" type="application/rss+xml" href="/late.xml">'
    early = b"<html><head>" + link + b"</head><body>" + b"<p>filler</p>" * 10
    late = b"<html><head></head><body>" + b"x" * MAX_PAGE_BYTES + link + b"</body></html>"

    assert found(early, "https://example.org/") == [("link", "https://example.org/late.xml")]
    assert {source for source, _ in found(late, "https://example.org/")} == {"guess"}


def test_text_input_with_an_xml_declaration() -> None:
    page = """<?xml version="1.0" encoding="iso-8859-1"?>
<html xmlns="http://www.w3.org/1999/xhtml"><head>
<link rel="alternate" type="application/atom+xml" title="Café" href="/atom.xml"/>
</head><body/></html>"""

    assert discover_feeds(page, "https://example.org/") == [
        DiscoveredFeed("https://example.org/atom.xml", "Café", "application/atom+xml", "link")
    ]


@pytest.mark.parametrize(
    ("page", "title"),
    [
        # UTF-8 with no declaration at all: read as UTF-8, not Latin-1.
        ('<link rel="alternate" type="application/rss+xml" title="Café ’" href="/f">'.encode(),
         "Café ’"),
        # A page labelled windows-1252 whose bytes are UTF-8: the bytes win.
        ('<meta charset="windows-1252"><link rel="alternate" type="application/rss+xml" '
         'title="Café" href="/f">'.encode(), "Café"),
        # A real windows-1252 page.
        ('<meta charset="windows-1252"><link rel="alternate" type="application/rss+xml" '
         'title="Café ’" href="/f">'.encode("cp1252"), "Café ’"),
    ],
)  # fmt: skip
def test_titles_are_decoded_right(page: bytes, title: str) -> None:
    (feed,) = discover_feeds(page, "https://example.org/")

    assert feed.title == title
