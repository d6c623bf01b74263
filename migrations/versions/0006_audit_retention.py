"""audit log and retention: the append-only audit_events table and each meeting's retention record

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02 20:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import caseportal.models.base

revision: str = '0006'
down_revision: str | None = '0005'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The same statements as caseportal.models.audit, written out: a migration must not change with the code.
PG_FUNCTION = """
CREATE OR REPLACE FUNCTION audit_events_append_only() RETURNS trigger AS $$
BEGIN
  IF TG_OP = 'DELETE' AND current_setting('caseportal.allow_audit_purge', true) = 'on' THEN
    RETURN OLD;
  END IF;
  RAISE EXCEPTION 'audit_events is append-only';
END;
$$ LANGUAGE plpgsql
"""
PG_TRIGGER = ("CREATE TRIGGER audit_events_append_only BEFORE UPDATE OR DELETE ON audit_events "
              "FOR EACH ROW EXECUTE FUNCTION audit_events_append_only()")
SQLITE_TRIGGERS = (
    "CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events "
    "BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END",
    "CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events "
    "BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END",
)
UTC = caseportal.models.base.UTCDateTime


def upgrade() -> None:
    op.create_table('audit_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', UTC(), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('actor_kind', sa.String(length=20), nullable=False),
    sa.Column('action', sa.String(length=30), nullable=False),
    sa.Column('object_type', sa.String(length=30), nullable=False),
    sa.Column('object_id', sa.Integer(), nullable=True),
    sa.Column('meeting_id', sa.Integer(), nullable=True),
    sa.Column('detail', sa.String(length=300), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_events'))
    )
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_events_at'), ['at'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_events_actor_id'), ['actor_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_events_meeting_id'), ['meeting_id'], unique=False)
    if op.get_bind().dialect.name == 'postgresql':
        op.execute(PG_FUNCTION)
        op.execute(PG_TRIGGER)
    elif op.get_bind().dialect.name == 'sqlite':
        for sql in SQLITE_TRIGGERS:
            op.execute(sql)

    op.create_table('meeting_retention',
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('outcome', sa.String(length=20), nullable=False),
    sa.Column('closed_at', UTC(), nullable=True),
    sa.Column('closed_by_id', sa.Integer(), nullable=True),
    sa.Column('postponed_until', UTC(), nullable=True),
    sa.Column('postpone_reason', sa.Text(), nullable=False),
    sa.Column('withdrawn_at', UTC(), nullable=True),
    sa.Column('erase_after', UTC(), nullable=True),
    sa.Column('erased_at', UTC(), nullable=True),
    sa.ForeignKeyConstraint(['meeting_id'], ['meetings.id'], name=op.f('fk_meeting_retention_meeting_id_meetings'),
                            ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['closed_by_id'], ['users.id'], name=op.f('fk_meeting_retention_closed_by_id_users'),
                            ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('meeting_id', name=op.f('pk_meeting_retention'))
    )
    with op.batch_alter_table('meeting_retention', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_meeting_retention_erase_after'), ['erase_after'], unique=False)
        batch_op.create_index(batch_op.f('ix_meeting_retention_erased_at'), ['erased_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('meeting_retention', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_meeting_retention_erased_at'))
        batch_op.drop_index(batch_op.f('ix_meeting_retention_erase_after'))
    op.drop_table('meeting_retention')
    if op.get_bind().dialect.name == 'postgresql':
        op.execute('DROP TRIGGER IF EXISTS audit_events_append_only ON audit_events')
        op.execute('DROP FUNCTION IF EXISTS audit_events_append_only()')
    op.drop_table('audit_events')
