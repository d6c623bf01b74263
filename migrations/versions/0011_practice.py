"""practice round: a submission may be the candidate's warm-up (submissions.practice), which nobody else sees

Existing rows are real work (practice false). The models map practice rows to PracticeSubmission, so every
query for Submission leaves them out.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03 00:45:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0011'
down_revision: str | None = '0010'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('submissions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('practice', sa.Boolean(), server_default=sa.false(), nullable=False))


def downgrade() -> None:
    # A warm-up is worth nothing without the column that marks it: drop them rather than turn them into real work.
    # Child rows first: SQLite enforces ON DELETE CASCADE only with its foreign_keys pragma on.
    warm_ups = "SELECT id FROM submissions WHERE practice"
    op.execute(sa.text(f"DELETE FROM run_artifacts WHERE run_id IN (SELECT id FROM runs WHERE submission_id IN "
                       f"({warm_ups}))"))
    for table in ("runs", "submission_files"):
        op.execute(sa.text(f"DELETE FROM {table} WHERE submission_id IN ({warm_ups})"))  # noqa: S608 - fixed names
    op.execute(sa.text("DELETE FROM submissions WHERE practice"))
    with op.batch_alter_table('submissions', schema=None) as batch_op:
        batch_op.drop_column('practice')
