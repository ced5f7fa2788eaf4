"""subscriptions.kind, secret and card: webhook and Apprise destinations

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-06

A subscription's ``email`` column now holds its destination, of the ``kind`` email (every
existing row), webhook or apprise, and is widened for URLs.  ``secret`` is a webhook's
signing secret; ``card`` asks for a diff card with immediate Apprise reports.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0005'
down_revision: str | None = '0004'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('subscriptions', schema=None) as batch_op:
        batch_op.alter_column(
            'email', existing_type=sa.String(length=320), type_=sa.String(length=2048),
            existing_nullable=False,
        )
        batch_op.add_column(
            sa.Column('kind', sa.String(length=16), nullable=False, server_default='email')
        )
        batch_op.add_column(sa.Column('secret', sa.String(length=128), nullable=True))
        batch_op.add_column(
            sa.Column('card', sa.Boolean(), nullable=False, server_default=sa.false())
        )


def downgrade() -> None:
    with op.batch_alter_table('subscriptions', schema=None) as batch_op:
        batch_op.drop_column('card')
        batch_op.drop_column('secret')
        batch_op.drop_column('kind')
        batch_op.alter_column(
            'email', existing_type=sa.String(length=2048), type_=sa.String(length=320),
            existing_nullable=False,
        )
