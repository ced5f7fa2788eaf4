"""``redline card``: a change drawn as a 1200×675 PNG (see :mod:`archive.web.card`)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from archive import store
from archive.version_diff import diff_versions
from scheduler.cli.state import state


def register(app: typer.Typer) -> None:
    """Add the card command to the root app."""
    app.command("card")(card)


def card(
    ctx: typer.Context,
    url: Annotated[str, typer.Argument(help="A tracked URL (or its canonical or AMP form).")],
    from_: Annotated[
        int | None, typer.Argument(metavar="FROM", help="Old version (default: the last but one).")
    ] = None,
    to: Annotated[
        int | None, typer.Argument(metavar="TO", help="New version (default: the last).")
    ] = None,
    output: Annotated[Path, typer.Option("--output", "-o", help="The PNG file to write.")] = Path(
        "card.png"
    ),
) -> None:
    """Draw how an article changed as a 1200×675 PNG card (needs the card extra and Chromium)."""
    # imported here: the web stack (FastAPI, Jinja) would otherwise load with every command,
    # a crawl's included
    from archive.web.card import HEIGHT, WIDTH, card_png

    st = state(ctx)
    with st.database.session() as session:
        tracked = store.resolve(session, url)
        found = diff_versions(session, tracked, from_, to)
        png = card_png(
            session,
            tracked.id,
            found.old.number,
            found.new.number,
            base_url=st.config.base_url,
            chromium=st.config.chromium_path,
        )
    assert png is not None  # diff_versions found both versions
    output.write_bytes(png)
    st.console.print(
        f"wrote {output} ({WIDTH}×{HEIGHT}): {found.url} v{found.old.number} → v{found.new.number}",
        markup=False,
        soft_wrap=True,
    )
