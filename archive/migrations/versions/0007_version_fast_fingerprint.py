"""versions.fast_fingerprint: the fast path's fingerprint of a page that gave the version

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-06

Existing versions get NULL: their next capture is fully extracted, as before, and leaves the
fingerprint of its page (archive/extract/fastpath.py, docs/design.md "The fast path").
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0007'
down_revision: str | None = '0006'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('versions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('fast_fingerprint', sa.Text(), nullable=True))


def downgrade() -> None:
    # ALTER TABLE ... DROP COLUMN in place (SQLite 3.35 and later): a batch operation would copy
    # versions into a new table and drop the old one, and with foreign keys on, dropping it
    # clears every tracked URL's current version (ON DELETE SET NULL) and deletes the changes
    op.execute('ALTER TABLE versions DROP COLUMN fast_fingerprint')
