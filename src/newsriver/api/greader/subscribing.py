"""`subscription/edit` and `subscription/quickadd`: subscribing, unsubscribing, renaming
and moving a subscription between categories (Google Reader's folders, named as
`user/-/label/NAME`). A subscription is in one category at most: adding a label moves
it there (creating the category when needed); removing the label it is in, with none
added, moves it to the default category."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from newsriver.api.greader.catalogue import Catalogue
from newsriver.api.greader.streams import label_name
from newsriver.errors import ConflictError, FetchError, NotAFeedError
from newsriver.fetch import FetcherConfig
from newsriver.service import subscriptions
from newsriver.service.subscribe import FeedChoices, Subscribed
from newsriver.service.subscriptions import AlreadySubscribed, describe_subscribe_error
from newsriver.store.database import Database


def category_named(database: Database, user_id: int, name: str) -> int:
    """The id of the user's category `name` (any case), created when there is none."""
    folded = name.strip().casefold()
    for category in subscriptions.list_categories(database, user_id):
        if category.name.casefold() == folded:
            return category.id
    try:
        return subscriptions.create_category(database, user_id, name).id
    except ConflictError:  # created by a concurrent request meanwhile
        return category_named(database, user_id, name)


async def subscribe(
    database: Database,
    fetcher_config: FetcherConfig,
    *,
    user_id: int,
    user_name: str,
    url: str,
    title: str | None = None,
) -> tuple[int, str]:
    """Subscribe to the feed at `url` (or to the first feed its page names); returns the
    feed id and its title. ValueError, with a sentence for people, when it cannot be."""
    try:
        outcome = await subscriptions.add_subscription(
            database, fetcher_config, user_id=user_id, user_name=user_name, url=url, title=title
        )
        if isinstance(outcome, FeedChoices):
            outcome = await subscriptions.add_subscription(
                database,
                fetcher_config,
                user_id=user_id,
                user_name=user_name,
                url=outcome.candidates[0].url,
                title=title,
                follow_page=False,
            )
    except (FetchError, NotAFeedError) as e:
        raise ValueError(describe_subscribe_error(e)) from None
    assert not isinstance(outcome, FeedChoices)
    feed_id = outcome.feed_id
    details = subscriptions.get_subscription(database, user_id, feed_id)
    if isinstance(outcome, Subscribed | AlreadySubscribed):
        return feed_id, details.display_title
    raise AssertionError(outcome)


def edit(
    database: Database,
    user_id: int,
    feed_id: int,
    catalogue: Catalogue,
    *,
    title: str | None,
    added: Sequence[str],
    removed: Sequence[str],
) -> None:
    """Rename (`title`, blank: the feed's own) and move the subscription (see above)."""
    details = subscriptions.get_subscription(database, user_id, feed_id)
    settings = details.settings
    if title is not None:
        settings = replace(settings, title=title.strip() or None)
    if added:
        settings = replace(
            settings, category_id=category_named(database, user_id, label_name(added[-1]))
        )
    elif removed:
        current = catalogue.feeds[feed_id].category_id
        names = {label_name(tag).casefold() for tag in removed}
        if current is not None and catalogue.categories[current].casefold() in names:
            settings = replace(settings, category_id=None)
    if settings != details.settings:
        subscriptions.update_subscription(database, user_id, feed_id, settings)
