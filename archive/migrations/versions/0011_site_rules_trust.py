"""site_rules.trust: each site rule's verified uses, so that tier 0 trusts a rule, not a row

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07

Existing rows get NULL: every rule at 0 verified uses, so each site's next derived decisions
are verified again until the rules they use were vouched for (archive/site_rules.py,
docs/design.md "Tier 0: site rules", "Trust").
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0011'
down_revision: str | None = '0010'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('site_rules', schema=None) as batch_op:
        batch_op.add_column(sa.Column('trust', sa.Text(), nullable=True))


def downgrade() -> None:
    op.execute('ALTER TABLE site_rules DROP COLUMN trust')
