"""security review fixes: who last edited a talking point, and when

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02 20:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import caseportal.models.base

revision: str = '0005'
down_revision: str | None = '0004'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('talking_points', schema=None) as batch_op:
        batch_op.add_column(sa.Column('edited_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('edited_at', caseportal.models.base.UTCDateTime(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_talking_points_edited_by_id_users'), 'users', ['edited_by_id'],
                                    ['id'], ondelete='SET NULL')


def downgrade() -> None:
    with op.batch_alter_table('talking_points', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_talking_points_edited_by_id_users'), type_='foreignkey')
        batch_op.drop_column('edited_at')
        batch_op.drop_column('edited_by_id')
