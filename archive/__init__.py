"""redline's core: store, extraction, diff, rendering, viewer and email composition.

Layering: ``archive`` imports neither ``crawler`` nor ``scheduler``; ``archive.extract`` and
``archive.diff`` are pure (no database, no network, no Scrapy).  Checked by import-linter.
"""
