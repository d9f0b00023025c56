"""The JSON shapes of the REST API, named and typed as Miniflux's v1 API names them
(Miniflux's `internal/model` and `client/model.go` were read for the field names only).

Fields Miniflux has and newsriver has no use for (scraper and rewrite rules, proxies,
integrations…) are still sent, empty, so clients that decode them strictly keep working.
Times are RFC 3339 in UTC, to the second.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

# Ids are 64-bit (Miniflux's int64): larger ones are refused as bad input before any
# query, which could not bind them.
MAX_ID = 2**63 - 1
Id = Annotated[int, Field(ge=1, le=MAX_ID)]


class ErrorOut(BaseModel):
    error_message: str


class MessageOut(BaseModel):
    message: str


class UserOut(BaseModel):
    id: int
    username: str
    is_admin: bool
    theme: str
    language: str
    timezone: str
    entry_sorting_direction: Literal["asc", "desc"]
    entry_sorting_order: str
    stylesheet: str = ""
    custom_js: str = ""
    google_id: str = ""
    openid_connect_id: str = ""
    entries_per_page: int
    keyboard_shortcuts: bool = True
    show_reading_time: bool = True
    entry_swipe: bool = True
    gesture_nav: str = "tap"
    last_login_at: datetime | None = None
    display_mode: str = "standalone"
    default_reading_speed: int = 265
    cjk_reading_speed: int = 500
    default_home_page: str = "unread"
    categories_sorting_order: str = "unread_count"
    mark_read_on_view: bool
    media_playback_rate: float = 1.0
    block_filter_entry_rules: str = ""
    keep_filter_entry_rules: str = ""
    always_open_external_links: bool = False
    open_external_links_in_new_tab: bool = True


class VersionOut(BaseModel):
    version: str
    commit: str = ""
    build_date: str = ""
    go_version: str = ""
    compiler: str = "cpython"
    arch: str = ""
    os: str = ""


class CategoryOut(BaseModel):
    id: int
    title: str
    user_id: int
    hide_globally: bool = False


class CategoryCountsOut(CategoryOut):
    """A category of `GET /v1/categories?counts=true`."""

    feed_count: int
    total_unread: int


class FeedIconRef(BaseModel):
    # Icons are stored per feed: an icon's id is its feed's id.
    feed_id: int
    icon_id: int


class FeedOut(BaseModel):
    id: int
    user_id: int
    feed_url: str
    site_url: str
    title: str
    description: str = ""
    checked_at: datetime
    next_check_at: datetime
    etag_header: str = ""
    last_modified_header: str = ""
    parsing_error_message: str = ""
    parsing_error_count: int = 0
    scraper_rules: str = ""
    rewrite_rules: str = ""
    urlrewrite_rules: str = ""
    blocklist_rules: str = ""
    keeplist_rules: str = ""
    block_filter_entry_rules: str = ""
    keep_filter_entry_rules: str = ""
    crawler: bool = False
    ignore_entry_updates: bool = False
    user_agent: str = ""
    cookie: str = ""
    username: str = ""
    password: str = ""
    disabled: bool = False
    no_media_player: bool = False
    ignore_http_cache: bool = False
    allow_self_signed_certificates: bool = False
    fetch_via_proxy: bool = False
    hide_globally: bool = False
    disable_http2: bool = False
    proxy_url: str = ""
    category: CategoryOut
    icon: FeedIconRef | None


class EnclosureOut(BaseModel):
    # Enclosures have no id of their own here: this one is derived from the entry's.
    id: int
    user_id: int
    entry_id: int
    url: str
    mime_type: str
    size: int
    media_progression: int = 0


class EntryOut(BaseModel):
    id: int
    user_id: int
    feed_id: int
    status: Literal["read", "unread"]
    hash: str
    title: str
    url: str
    comments_url: str
    published_at: datetime
    created_at: datetime
    changed_at: datetime
    content: str
    author: str
    share_code: str = ""
    starred: bool
    reading_time: int
    enclosures: list[EnclosureOut]
    tags: list[str]
    language: str = ""
    feed: FeedOut


class EntriesOut(BaseModel):
    total: int
    entries: list[EntryOut]


class CountersOut(BaseModel):
    # Per feed id (JSON object keys are strings): entries read, and unread.
    reads: dict[int, int]
    unreads: dict[int, int]


class IconOut(BaseModel):
    id: int
    mime_type: str
    # "image/png;base64,…", as Miniflux sends it (no "data:" prefix).
    data: str


class FeedCreatedOut(BaseModel):
    feed_id: int


class DiscoveredOut(BaseModel):
    url: str
    title: str
    type: Literal["rss", "atom", "json"]


# --- Request bodies. Unknown fields (Miniflux's options newsriver lacks) are ignored. ---


class _Body(BaseModel):
    model_config = ConfigDict(extra="ignore")


class FeedCreateIn(_Body):
    feed_url: str = Field(max_length=4096)
    # 0 or absent: no category (newsriver's "Uncategorised").
    category_id: int = Field(default=0, ge=0, le=MAX_ID)


class FeedUpdateIn(_Body):
    feed_url: str | None = Field(default=None, max_length=4096)
    title: str | None = Field(default=None, max_length=4096)
    # 0: no category.
    category_id: int | None = Field(default=None, ge=0, le=MAX_ID)


class CategoryIn(_Body):
    title: str = Field(max_length=4096)
    hide_globally: bool = False


class CategoryUpdateIn(_Body):
    title: str | None = Field(default=None, max_length=4096)
    hide_globally: bool | None = None


class EntriesUpdateIn(_Body):
    entry_ids: list[Id] = Field(max_length=10_000)
    status: Literal["read", "unread"] | None = None
    starred: bool | None = None


class DiscoverIn(_Body):
    url: str = Field(max_length=4096)
