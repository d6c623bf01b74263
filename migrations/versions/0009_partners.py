"""webhooks and partner adapters: webhook endpoints, the delivery outbox with its attempts, ATS connections and
the ATS requests they turned into meetings

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02 20:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import caseportal.models.base

revision: str = '0009'
down_revision: str | None = '0008'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('webhook_endpoints',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('url', sa.String(length=500), nullable=False),
    sa.Column('events', sa.Text(), nullable=False),
    sa.Column('secret', sa.String(length=100), nullable=False),
    sa.Column('description', sa.String(length=200), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', caseportal.models.base.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_webhook_endpoints'))
    )
    op.create_table('partner_connections',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ats', sa.String(length=20), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('key_hash', sa.String(length=64), nullable=False),
    sa.Column('key_hint', sa.String(length=12), nullable=False),
    sa.Column('job_role_id', sa.Integer(), nullable=False),
    sa.Column('case_slugs', sa.Text(), nullable=False),
    sa.Column('created_at', caseportal.models.base.UTCDateTime(), nullable=False),
    sa.Column('revoked_at', caseportal.models.base.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['job_role_id'], ['job_roles.id'],
                            name=op.f('fk_partner_connections_job_role_id_job_roles')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_partner_connections')),
    sa.UniqueConstraint('key_hash', name=op.f('uq_partner_connections_key_hash'))
    )
    op.create_table('partner_links',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('connection_id', sa.Integer(), nullable=False),
    sa.Column('external_id', sa.String(length=200), nullable=False),
    sa.Column('public_id', sa.String(length=40), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('case_slug', sa.String(length=100), nullable=False),
    sa.Column('callback_url', sa.String(length=1000), nullable=False),
    sa.Column('created_at', caseportal.models.base.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['connection_id'], ['partner_connections.id'],
                            name=op.f('fk_partner_links_connection_id_partner_connections'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['meeting_id'], ['meetings.id'],
                            name=op.f('fk_partner_links_meeting_id_meetings'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_partner_links')),
    sa.UniqueConstraint('connection_id', 'external_id', name=op.f('uq_partner_links_connection_id')),
    sa.UniqueConstraint('public_id', name=op.f('uq_partner_links_public_id'))
    )
    with op.batch_alter_table('partner_links', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_partner_links_meeting_id'), ['meeting_id'], unique=False)
    op.create_table('webhook_deliveries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('endpoint_id', sa.Integer(), nullable=True),
    sa.Column('link_id', sa.Integer(), nullable=True),
    sa.Column('event', sa.String(length=60), nullable=False),
    sa.Column('event_id', sa.String(length=40), nullable=False),
    sa.Column('payload', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', caseportal.models.base.UTCDateTime(), nullable=False),
    sa.Column('created_at', caseportal.models.base.UTCDateTime(), nullable=False),
    sa.Column('finished_at', caseportal.models.base.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['endpoint_id'], ['webhook_endpoints.id'],
                            name=op.f('fk_webhook_deliveries_endpoint_id_webhook_endpoints'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['link_id'], ['partner_links.id'],
                            name=op.f('fk_webhook_deliveries_link_id_partner_links'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_webhook_deliveries'))
    )
    with op.batch_alter_table('webhook_deliveries', schema=None) as batch_op:
        batch_op.create_index('ix_webhook_deliveries_due', ['status', 'next_attempt_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_webhook_deliveries_endpoint_id'), ['endpoint_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_webhook_deliveries_link_id'), ['link_id'], unique=False)
    op.create_table('webhook_attempts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('delivery_id', sa.Integer(), nullable=False),
    sa.Column('at', caseportal.models.base.UTCDateTime(), nullable=False),
    sa.Column('status_code', sa.Integer(), nullable=True),
    sa.Column('response', sa.String(length=1000), nullable=False),
    sa.Column('error', sa.String(length=500), nullable=False),
    sa.Column('duration_ms', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['delivery_id'], ['webhook_deliveries.id'],
                            name=op.f('fk_webhook_attempts_delivery_id_webhook_deliveries'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_webhook_attempts'))
    )
    with op.batch_alter_table('webhook_attempts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_webhook_attempts_delivery_id'), ['delivery_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('webhook_attempts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_webhook_attempts_delivery_id'))
    op.drop_table('webhook_attempts')
    with op.batch_alter_table('webhook_deliveries', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_webhook_deliveries_link_id'))
        batch_op.drop_index(batch_op.f('ix_webhook_deliveries_endpoint_id'))
        batch_op.drop_index('ix_webhook_deliveries_due')
    op.drop_table('webhook_deliveries')
    with op.batch_alter_table('partner_links', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_partner_links_meeting_id'))
    op.drop_table('partner_links')
    op.drop_table('partner_connections')
    op.drop_table('webhook_endpoints')
