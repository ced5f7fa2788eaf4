"""Diff engine (pure: no database, no network)."""
