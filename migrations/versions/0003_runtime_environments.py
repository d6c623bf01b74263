"""runtime environments

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02 10:12:40.118204
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import caseportal.models.base

revision: str = '0003'
down_revision: str | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('runtime_environments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('runtime', sa.String(length=32), nullable=False),
    sa.Column('image_ref', sa.String(length=200), nullable=False),
    sa.Column('facts', sa.JSON(), nullable=False),
    sa.Column('recorded_at', caseportal.models.base.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_runtime_environments')),
    sa.UniqueConstraint('runtime', 'image_ref', name=op.f('uq_runtime_environments_runtime'))
    )
    with op.batch_alter_table('runtime_environments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_runtime_environments_runtime'), ['runtime'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('runtime_environments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_runtime_environments_runtime'))
    op.drop_table('runtime_environments')
