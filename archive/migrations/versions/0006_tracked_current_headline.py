"""tracked_urls.current_headline: the current version's headline, for searching articles

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-06

The article list and the API search the current headline.  Reading it through the current
version means one random read of a versions row (with its full text) per tracked article, for
every search: seconds at 10,000 articles (bench/viewer.py).  The write path
(archive.record) now keeps a copy on the tracked URL whenever its current version changes or
is re-keyed; this fills it for the rows already there.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0006'
down_revision: str | None = '0005'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column('tracked_urls', sa.Column('current_headline', sa.Text(), nullable=True))
    op.execute(
        'UPDATE tracked_urls SET current_headline = '
        '(SELECT versions.headline FROM versions WHERE versions.id = tracked_urls.current_version_id)'
    )


def downgrade() -> None:
    # ALTER TABLE ... DROP COLUMN in place (SQLite 3.35 and later): a batch operation would copy
    # tracked_urls into a new table and drop the old one, and with foreign keys on, dropping it
    # deletes every version, capture and change through their ON DELETE CASCADE
    op.execute('ALTER TABLE tracked_urls DROP COLUMN current_headline')
