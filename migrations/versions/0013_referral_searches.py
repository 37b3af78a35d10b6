"""referral dashboard searches kept on the server (not in the session cookie)

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02 19:00:00

"""
import sqlalchemy as sa
from alembic import op

revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('referral_searches',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=32), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('text', sa.String(length=100), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_referral_searches_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_referral_searches')),
    sa.UniqueConstraint('key', name=op.f('uq_referral_searches_key'))
    )
    with op.batch_alter_table('referral_searches', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_referral_searches_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_referral_searches_user_id'), ['user_id'], unique=False)


def downgrade():
    with op.batch_alter_table('referral_searches', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_referral_searches_user_id'))
        batch_op.drop_index(batch_op.f('ix_referral_searches_created_at'))
    op.drop_table('referral_searches')
