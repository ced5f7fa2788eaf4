"""versions.fast_template: tier 0 of the fast path, a page template learned per version

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-07

Existing versions get NULL: the next refetch of each that brings other bytes is extracted in
full and learns it (archive/extract/template_learn.py, docs/design.md "Tier 0").
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0008'
down_revision: str | None = '0007'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('versions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('fast_template', sa.Text(), nullable=True))


def downgrade() -> None:
    # in place, as 0007's downgrade (a batch copy of versions would clear every current version)
    op.execute('ALTER TABLE versions DROP COLUMN fast_template')
