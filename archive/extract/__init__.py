"""Article extraction (pure: no database, no network)."""

from archive.extract.article import Article

__all__ = ["Article"]
