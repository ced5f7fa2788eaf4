"""indexes for the web viewer: captures by version, articles by last change

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-06

- ``ix_captures_version_id``: a version page counts and finds the captures that served it; a
  full scan of the captures otherwise (about 20 ms at 100,000 captures, bench/viewer.py).
- ``ix_tracked_urls_last_changed_at``: lists of articles sorted by their last change.
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op


revision: str = '0004'
down_revision: str | None = '0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index('ix_captures_version_id', 'captures', ['version_id'], unique=False)
    op.create_index(
        'ix_tracked_urls_last_changed_at', 'tracked_urls', ['last_changed_at'], unique=False
    )


def downgrade() -> None:
    op.drop_index('ix_tracked_urls_last_changed_at', table_name='tracked_urls')
    op.drop_index('ix_captures_version_id', table_name='captures')
