"""site_rules: tier 0's rules per site, from which an article's template is derived

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-07

A new, empty table: the next template learned on each site fills its row
(archive/extract/template_site.py, docs/design.md "Tier 0: site rules").
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0010'
down_revision: str | None = '0009'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('site_rules',
    sa.Column('host', sa.String(length=255), nullable=False),
    sa.Column('layout', sa.String(length=32), nullable=False),
    sa.Column('identity', sa.String(length=128), nullable=False),
    sa.Column('rules', sa.Text(), nullable=True),
    sa.Column('learned', sa.Integer(), nullable=False),
    sa.Column('verified', sa.Integer(), nullable=False),
    sa.Column('dropped', sa.Boolean(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('host', 'layout', 'identity', name=op.f('pk_site_rules'))
    )


def downgrade() -> None:
    op.drop_table('site_rules')
