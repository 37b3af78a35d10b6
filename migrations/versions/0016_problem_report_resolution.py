"""problem reports: the provider's note when marking one resolved

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-03 07:40:00

"""
import sqlalchemy as sa
from alembic import op

revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('directory_problem_reports', schema=None) as batch_op:
        batch_op.add_column(sa.Column('resolution_note', sa.Text(), nullable=True))
        batch_op.create_index(batch_op.f('ix_directory_problem_reports_resolved_at'), ['resolved_at'], unique=False)


def downgrade():
    with op.batch_alter_table('directory_problem_reports', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_directory_problem_reports_resolved_at'))
        batch_op.drop_column('resolution_note')
