"""The ``redline`` command line: the only layer that sees ``archive``, ``crawler`` and
``scheduler`` at once.

One module per command group (:mod:`~scheduler.cli.articles`, :mod:`~scheduler.cli.crawl`,
:mod:`~scheduler.cli.workers`, :mod:`~scheduler.cli.feeds`,
:mod:`~scheduler.cli.subscriptions`, :mod:`~scheduler.cli.service`,
:mod:`~scheduler.cli.demo`), what they share in :mod:`~scheduler.cli.state`, and the root
app with ``main()`` in :mod:`~scheduler.cli.app`.  Commands parse options and print; the work
is done by library functions below them.
"""

from scheduler.cli.app import app, main

__all__ = ["app", "main"]
