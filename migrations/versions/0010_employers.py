"""employers: client companies with their brand, staff tied to employers, every role belongs to an employer

Existing roles move to one employer named "Our company" (rename it under Employers).

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03 00:40:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import caseportal.models.base

revision: str = '0010'
down_revision: str | None = '0009'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('employers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('about', sa.Text(), nullable=False),
    sa.Column('brand_colour', sa.String(length=7), nullable=False),
    sa.Column('logo_png', sa.LargeBinary(), nullable=True),
    sa.Column('logo_version', sa.Integer(), nullable=False),
    sa.Column('offer_growth', sa.Text(), nullable=False),
    sa.Column('offer_tech', sa.Text(), nullable=False),
    sa.Column('offer_benefits', sa.Text(), nullable=False),
    sa.Column('offer_worklife', sa.Text(), nullable=False),
    sa.Column('created_at', caseportal.models.base.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_employers')),
    sa.UniqueConstraint('name', name=op.f('uq_employers_name'))
    )
    op.create_table('employer_staff',
    sa.Column('employer_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['employer_id'], ['employers.id'], name=op.f('fk_employer_staff_employer_id_employers'),
                            ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_employer_staff_user_id_users'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('employer_id', 'user_id', name=op.f('pk_employer_staff'))
    )
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('firm_wide', sa.Boolean(), server_default=sa.true(), nullable=False))
    with op.batch_alter_table('job_roles', schema=None) as batch_op:
        batch_op.add_column(sa.Column('employer_id', sa.Integer(), nullable=True))
    conn = op.get_bind()
    if conn.execute(sa.text("SELECT count(*) FROM job_roles")).scalar():
        conn.execute(sa.text(
            "INSERT INTO employers (name, about, brand_colour, logo_version, offer_growth, offer_tech, "
            "offer_benefits, offer_worklife, created_at) "
            "VALUES ('Our company', '', '', 0, '', '', '', '', CURRENT_TIMESTAMP)"))
        first = conn.execute(sa.text("SELECT min(id) FROM employers")).scalar()
        conn.execute(sa.text("UPDATE job_roles SET employer_id = :e"), {"e": first})
    with op.batch_alter_table('job_roles', schema=None) as batch_op:
        batch_op.alter_column('employer_id', existing_type=sa.Integer(), nullable=False)
        batch_op.create_index(batch_op.f('ix_job_roles_employer_id'), ['employer_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_job_roles_employer_id_employers'), 'employers',
                                    ['employer_id'], ['id'])


def downgrade() -> None:
    with op.batch_alter_table('job_roles', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_job_roles_employer_id_employers'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_job_roles_employer_id'))
        batch_op.drop_column('employer_id')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('firm_wide')
    op.drop_table('employer_staff')
    op.drop_table('employers')
