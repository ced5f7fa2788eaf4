"""fast_path_evidence: the fast path's fingerprint and template of a version, in a table of
their own (moved from versions.fast_fingerprint and versions.fast_template)

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07

A versions row holds the article's text and spills to SQLite's overflow pages; writing the
fingerprint and template into it at the learning refetch moved its spill and split its pages
(docs/performance.md, "Where a learning capture's bytes go").  The values are copied as they
are: a fingerprint of format fp6 is another format's, which the next full extraction of the
version's page replaces.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0009'
down_revision: str | None = '0008'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'fast_path_evidence',
        sa.Column('version_id', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('fingerprint', sa.Text(), nullable=True),
        sa.Column('template', sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ['version_id'],
            ['versions.id'],
            name=op.f('fk_fast_path_evidence_version_id_versions'),
            ondelete='CASCADE',
        ),
        sa.PrimaryKeyConstraint('version_id', name=op.f('pk_fast_path_evidence')),
    )
    op.execute(
        'INSERT INTO fast_path_evidence (version_id, fingerprint, template) '
        'SELECT id, fast_fingerprint, fast_template FROM versions '
        'WHERE fast_fingerprint IS NOT NULL OR fast_template IS NOT NULL'
    )
    # in place, as 0007's and 0008's downgrades (a batch copy of versions would clear every
    # current version)
    op.execute('ALTER TABLE versions DROP COLUMN fast_template')
    op.execute('ALTER TABLE versions DROP COLUMN fast_fingerprint')


def downgrade() -> None:
    with op.batch_alter_table('versions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('fast_fingerprint', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('fast_template', sa.Text(), nullable=True))
    op.execute(
        'UPDATE versions SET '
        'fast_fingerprint = (SELECT fingerprint FROM fast_path_evidence e '
        'WHERE e.version_id = versions.id), '
        'fast_template = (SELECT template FROM fast_path_evidence e '
        'WHERE e.version_id = versions.id) '
        'WHERE id IN (SELECT version_id FROM fast_path_evidence)'
    )
    op.drop_table('fast_path_evidence')
