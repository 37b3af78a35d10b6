"""campus: a learner's "I am interested" in an employer's opportunity, for staff to turn into a nomination

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-03 07:45:00

"""
import sqlalchemy as sa
from alembic import op

revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('campus_interests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('learner_id', sa.Integer(), nullable=False),
    sa.Column('opportunity_id', sa.Integer(), nullable=False),
    sa.Column('message_id', sa.Integer(), nullable=True),
    sa.Column('state', sa.String(length=20), nullable=False),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('nomination_id', sa.Integer(), nullable=True),
    sa.Column('public_id', sa.String(length=24), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'], name=op.f('fk_campus_interests_decided_by_id_users')),
    sa.ForeignKeyConstraint(['learner_id'], ['campus_learners.id'], name=op.f('fk_campus_interests_learner_id_campus_learners'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['message_id'], ['campus_messages.id'], name=op.f('fk_campus_interests_message_id_campus_messages')),
    sa.ForeignKeyConstraint(['nomination_id'], ['employer_nominations.id'], name=op.f('fk_campus_interests_nomination_id_employer_nominations'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['opportunity_id'], ['employer_opportunities.id'], name=op.f('fk_campus_interests_opportunity_id_employer_opportunities'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_campus_interests')),
    sa.UniqueConstraint('public_id', name=op.f('uq_campus_interests_public_id'))
    )
    with op.batch_alter_table('campus_interests', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_campus_interests_learner_id'), ['learner_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_campus_interests_opportunity_id'), ['opportunity_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_campus_interests_state'), ['state'], unique=False)


def downgrade():
    with op.batch_alter_table('campus_interests', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_campus_interests_state'))
        batch_op.drop_index(batch_op.f('ix_campus_interests_opportunity_id'))
        batch_op.drop_index(batch_op.f('ix_campus_interests_learner_id'))
    op.drop_table('campus_interests')
