"""Diff reports by email: subscriptions, composition and the exactly-once outbox.

Layering: this package belongs to ``archive``.  It may use the archive's models and
renderers, but never ``crawler`` or ``scheduler``; sending (SMTP, Maildir, retries) is a
side effect that :mod:`scheduler.mail` and :mod:`scheduler.reports` drive.  Composition
(:mod:`archive.report.compose` and the part builders) is pure: values in, an
``EmailMessage`` out, no database and no network.
"""
