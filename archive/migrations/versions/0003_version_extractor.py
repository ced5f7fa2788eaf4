"""versions.extractor_version: which extractor read a version

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22

Existing versions get NULL: made by an extractor older than the column, so unknown.  The
crawl re-reads such a version's payload before it reports a change (docs/design.md).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0003'
down_revision: str | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('versions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('extractor_version', sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('versions', schema=None) as batch_op:
        batch_op.drop_column('extractor_version')
