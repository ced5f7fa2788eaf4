"""``redline feeds``: add, list, remove and poll discovery feeds (RSS, Atom, sitemaps).

feedparser and lxml are imported inside the commands, so that other commands (above all the
crawl the service starts every cycle) do not pay for them.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

import typer

from scheduler.cli.state import JsonOption, print_json, print_listing, state

feeds_app = typer.Typer(
    name="feeds", help="Feeds and sitemaps whose new articles are tracked.", no_args_is_help=True
)


def register(app: typer.Typer) -> None:
    app.add_typer(feeds_app)


@feeds_app.command("add")
def add(
    ctx: typer.Context,
    url: Annotated[str, typer.Argument(help="RSS, Atom, sitemap or sitemap index URL.")],
    pattern: Annotated[
        str | None, typer.Option(help="Track only entry URLs matching this regular expression.")
    ] = None,
    tag: Annotated[
        list[str], typer.Option("--tag", "-t", help="Tag for the URLs it finds (repeatable).")
    ] = [],  # noqa: B006 - Typer needs a list default
) -> None:
    """Poll a feed; its new article URLs are tracked with its tags."""
    from scheduler import feeds as registry

    st = state(ctx)
    with st.database.session() as session:
        feed, created = registry.add_feed(
            session,
            url,
            now=datetime.now(UTC),
            pattern=pattern,
            tags=tag,
            allow_private=st.config.allow_private_networks,
        )
        feed_url = feed.url
    st.console.print(("polling " if created else "updated ") + feed_url, markup=False)


@feeds_app.command("list")
def list_(ctx: typer.Context, json_: JsonOption = False) -> None:
    """List feeds with their kind, pattern, tags and next poll."""
    from scheduler import feeds as registry

    st = state(ctx)
    with st.database.session() as session:
        rows = registry.list_feeds(session)
    print_listing(
        st.console,
        rows,
        [
            ("URL", lambda r: r["url"]),
            ("kind", lambda r: r["kind"]),
            ("pattern", lambda r: r["pattern"]),
            ("tags", lambda r: ",".join(r["tags"])),
            ("last polled", lambda r: r["last_polled_at"]),
            ("next poll", lambda r: r["next_poll_at"]),
            ("errors", lambda r: r["consecutive_errors"]),
        ],
        as_json=json_,
    )


@feeds_app.command("remove")
def remove(ctx: typer.Context, url: Annotated[str, typer.Argument(help="The feed's URL.")]) -> None:
    """Stop polling a feed (the URLs it found stay tracked)."""
    from scheduler import feeds as registry

    st = state(ctx)
    with st.database.session() as session:
        removed = registry.remove_feed(session, url)
    st.console.print(f"no longer polling {removed}", markup=False)


@feeds_app.command("poll")
def poll(
    ctx: typer.Context,
    all_: Annotated[bool, typer.Option("--all", help="Poll every feed, due or not.")] = False,
    json_: JsonOption = False,
) -> None:
    """Poll the due feeds now (the service does this on its own schedule)."""
    from scheduler import feeds as registry

    st = state(ctx)
    summary = registry.poll_due_feeds(st.config, st.database, datetime.now(UTC), force=all_)
    if json_:
        print_json(summary.to_dict())
        return
    st.console.print(
        f"polled {summary.polled} feed(s): {len(summary.new_urls)} new URL(s), "
        f"{len(summary.errors)} error(s)",
        markup=False,
    )
    for error in summary.errors:
        st.console.print(f"  {error}", markup=False)
