"""campus safeguarding: content review steps, opportunity checks for the campus, progressive kiosk code lock-out

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02 19:00:00

"""
import sqlalchemy as sa
from alembic import op

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('campus_sessions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('locked_until', sa.DateTime(timezone=True), nullable=True))

    with op.batch_alter_table('campus_content', schema=None) as batch_op:
        batch_op.add_column(sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('submitted_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('reviewed_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('reviewed_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('review_note', sa.Text(), server_default='', nullable=False))
        batch_op.create_foreign_key(batch_op.f('fk_campus_content_submitted_by_id_users'), 'users',
                                    ['submitted_by_id'], ['id'])
        batch_op.create_foreign_key(batch_op.f('fk_campus_content_reviewed_by_id_users'), 'users',
                                    ['reviewed_by_id'], ['id'])

    op.create_table('campus_opportunity_reviews',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('opportunity_id', sa.Integer(), nullable=False),
    sa.Column('approved', sa.Boolean(), nullable=False),
    sa.Column('fingerprint', sa.String(length=64), nullable=False),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('decided_by_id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'], name=op.f('fk_campus_opportunity_reviews_decided_by_id_users')),
    sa.ForeignKeyConstraint(['opportunity_id'], ['employer_opportunities.id'], name=op.f('fk_campus_opportunity_reviews_opportunity_id_employer_opportunities'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_campus_opportunity_reviews')),
    sa.UniqueConstraint('opportunity_id', name=op.f('uq_campus_opportunity_reviews_opportunity_id'))
    )


def downgrade():
    op.drop_table('campus_opportunity_reviews')
    with op.batch_alter_table('campus_content', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_campus_content_reviewed_by_id_users'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_campus_content_submitted_by_id_users'), type_='foreignkey')
        batch_op.drop_column('review_note')
        batch_op.drop_column('reviewed_by_id')
        batch_op.drop_column('reviewed_at')
        batch_op.drop_column('submitted_by_id')
        batch_op.drop_column('submitted_at')
    with op.batch_alter_table('campus_sessions', schema=None) as batch_op:
        batch_op.drop_column('locked_until')
