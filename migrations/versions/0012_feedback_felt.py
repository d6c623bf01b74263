"""candidate feedback: how the meeting felt (1..5), for the candidate's-voice report per employer

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-03 01:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0012'
down_revision: str | None = '0011'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('candidate_feedback') as batch_op:
        batch_op.add_column(sa.Column('felt', sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('candidate_feedback') as batch_op:
        batch_op.drop_column('felt')
