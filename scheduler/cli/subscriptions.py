"""Subscriptions and reports: ``subscribe``, ``unsubscribe``, ``subscriptions`` and ``report``.

Thin over :mod:`archive.report.subscriptions` and, for sending the reports that are due now (or
showing them with ``--dry-run``), :func:`scheduler.reports.send_due_reports`.
"""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated, Any

import typer
from rich.text import Text

from archive.enums import ChangeLabel, DeliveryMode
from archive.report.subscriptions import (
    Scope,
    SubscriptionError,
    list_subscriptions,
    normalize_scope,
    subscription_dict,
)
from archive.report.subscriptions import (
    subscribe as add_subscription,
)
from archive.report.subscriptions import (
    unsubscribe as end_subscriptions,
)
from scheduler.cli.state import JsonOption, print_json, print_listing, print_table, state
from scheduler.reports import ReportRun, send_due_reports


class Only(StrEnum):
    """What ``--only`` can narrow a subscription to."""

    HEADLINE = "headline"


EmailArg = Annotated[
    str,
    typer.Argument(
        help="Where reports go: an email address, a webhook URL (https://…) or an Apprise URL"
        " (slack://…, matrix://…, ntfy://…).",
        metavar="DESTINATION",
    ),
]
UrlOpt = Annotated[str | None, typer.Option("--url", help="Changes of this article.")]
TagOpt = Annotated[str | None, typer.Option("--tag", help="Changes of articles with this tag.")]
SiteOpt = Annotated[
    str | None, typer.Option("--site", help="Changes of articles on this site (host name).")
]
AllOpt = Annotated[bool, typer.Option("--all", help="Changes of every tracked article.")]


def register(app: typer.Typer) -> None:
    """Add the subscription and report commands to the root app."""
    app.command("subscribe")(subscribe)
    app.command("unsubscribe")(unsubscribe)
    app.command("subscriptions")(subscriptions)
    app.command("report")(report)


def subscribe(
    ctx: typer.Context,
    email: EmailArg,
    url: UrlOpt = None,
    tag: TagOpt = None,
    site: SiteOpt = None,
    all_: AllOpt = False,
    mode: Annotated[
        DeliveryMode, typer.Option(help="Mail each change at once, or hourly / daily digests.")
    ] = DeliveryMode.IMMEDIATE,
    min_: Annotated[
        ChangeLabel,
        typer.Option("--min", help="Smallest change label worth a mail."),
    ] = ChangeLabel.MINOR,
    only: Annotated[
        Only | None, typer.Option(help="Only changes that rewrite the headline.")
    ] = None,
    card: Annotated[
        bool,
        typer.Option(
            "--card", help="Attach a diff card (PNG) to immediate reports (Apprise destinations)."
        ),
    ] = False,
    json_: JsonOption = False,
) -> None:
    """Report to DESTINATION when articles in a scope change (one of --url, --tag, --site, --all).

    A webhook's signing secret is printed once, when the subscription is created.
    """
    st = state(ctx)
    scope = _scope(url, tag, site, all_, required=True)
    assert scope is not None
    with st.database.session() as session:
        subscription, created = add_subscription(
            session,
            email,
            scope,
            now=datetime.now(UTC),
            mode=mode,
            min_label=min_,
            only_headline=only is Only.HEADLINE,
            card=card,
            allow_private=st.config.allow_private_networks,
        )
        row = {**subscription_dict(subscription, {}), "created": created}
        if created and subscription.secret:  # shown this once; never listed
            row["secret"] = subscription.secret
    if json_:
        print_json(row)
        return
    verb = "subscribed" if created else "updated"
    what = f"{row['scope']} {row['target']}" if row["target"] else "every tracked article"
    extra = ", headline rewrites only" if row["only_headline"] else ""
    st.console.print(
        f"{verb} {row['email']} to {what} ({row['mode']}, at least {row['min_label']}{extra})",
        markup=False,
    )
    if "secret" in row:
        st.console.print(
            f"webhook signing secret (shown only now): {row['secret']}",
            markup=False,
            soft_wrap=True,
        )


def unsubscribe(
    ctx: typer.Context,
    email: Annotated[
        str | None, typer.Argument(help="The subscriber's address (or give --token).")
    ] = None,
    url: UrlOpt = None,
    tag: TagOpt = None,
    site: SiteOpt = None,
    all_: AllOpt = False,
    token: Annotated[
        str | None, typer.Option(help="The token from a report's unsubscribe link.")
    ] = None,
    json_: JsonOption = False,
) -> None:
    """Stop mail: all of EMAIL's subscriptions, the one for a scope, or the one of --token."""
    st = state(ctx)
    if (email is None) == (token is None):
        raise SubscriptionError("give an email address or --token, not both")
    scope = _scope(url, tag, site, all_, required=False)
    with st.database.session() as session:
        ended = end_subscriptions(session, email=email, scope=scope, token=token)
        rows = [subscription_dict(s, {}) for s in ended]
    if json_:
        print_json(rows)
        return
    for row in rows:
        what = f"{row['scope']} {row['target']}" if row["target"] else "every tracked article"
        st.console.print(f"unsubscribed {row['email']} from {what}", markup=False)


def subscriptions(
    ctx: typer.Context,
    email: Annotated[str | None, typer.Option(help="Only this subscriber's.")] = None,
    inactive: Annotated[
        bool, typer.Option("--inactive", help="Include ended subscriptions.")
    ] = False,
    json_: JsonOption = False,
) -> None:
    """List subscriptions with what was sent, is due, or failed."""
    st = state(ctx)
    with st.database.session() as session:
        rows = list_subscriptions(session, email=email, include_inactive=inactive)
    print_listing(
        st.console,
        rows,
        [
            ("id", lambda r: r["id"]),
            ("destination", lambda r: r["email"] + ("" if r["active"] else " (ended)")),
            ("kind", lambda r: r["kind"] + (", card" if r["card"] else "")),
            ("scope", lambda r: f"{r['scope']} {r['target']}" if r["target"] else r["scope"]),
            ("mode", lambda r: r["mode"]),
            ("min", lambda r: r["min_label"] + (", headline only" if r["only_headline"] else "")),
            ("sent/due/failed", lambda r: "{sent}/{due}/{failed}".format(**r["deliveries"])),
        ],
        as_json=json_,
    )


def _scope(
    url: str | None, tag: str | None, site: str | None, all_: bool, *, required: bool
) -> Scope | None:
    given: list[tuple[str, str | None]] = [
        (k, v) for k, v in (("url", url), ("tag", tag), ("site", site)) if v is not None
    ]
    if all_:
        given.append(("all", None))
    if len(given) > 1:
        raise SubscriptionError("give one of --url, --tag, --site or --all")
    if not given:
        if required:
            raise SubscriptionError("give one of --url, --tag, --site or --all")
        return None
    kind, target = given[0]
    return normalize_scope(kind, target)


def report(
    ctx: typer.Context,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Print the messages; send and record nothing.")
    ] = False,
    to: Annotated[str | None, typer.Option(help="Only the reports owed to this address.")] = None,
    json_: JsonOption = False,
) -> None:
    """Send the reports due now: immediate ones, and digests whose period has ended."""
    st = state(ctx)
    summary = send_due_reports(st.config, dry_run=dry_run, to=to, database=st.database)
    if json_:
        print_json(summary.to_json())
        return
    if dry_run:
        _print_preview(st.console, summary)
        return
    print_table(
        st.console,
        ["to", "subject", "outcome", "error"],
        [(m.to, m.subject, m.outcome, m.error) for m in summary.messages],
    )
    st.console.print(
        f"{summary.sent} sent, {summary.retrying} to retry, {summary.failed} failed"
        f" ({summary.queued} newly due)",
        markup=False,
    )


def _print_preview(console: Any, summary: ReportRun) -> None:
    if not summary.messages:
        console.print("nothing is due", markup=False)
    for message in summary.messages:
        header = "\n".join(
            f"{name}: {value}"
            for name, value in (
                ("To", message.to),
                ("Subject", message.subject),
                ("Message-ID", message.message_id),
            )
        )
        console.print(Text(header + "\n\n" + (message.text or "")))
        console.print(Text("-" * 72))
