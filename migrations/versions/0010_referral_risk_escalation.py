"""referrals: risk escalation after sending and the offender manager's decision; the referrer's phone

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02 19:00:00

"""
import sqlalchemy as sa
from alembic import op

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('referrals', schema=None) as batch_op:
        batch_op.add_column(sa.Column('risk_escalated_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('risk_escalated_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('escalation_decision', sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column('escalation_decided_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('escalation_decided_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('risk_plan_document', sa.String(length=200), nullable=False,
                                      server_default=''))
        batch_op.add_column(sa.Column('risk_plan_review_date', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('payment_basis', sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column('referrer_phone', sa.String(length=30), nullable=False, server_default=''))
        batch_op.create_foreign_key(batch_op.f('fk_referrals_risk_escalated_by_id_users'), 'users',
                                    ['risk_escalated_by_id'], ['id'])
        batch_op.create_foreign_key(batch_op.f('fk_referrals_escalation_decided_by_id_users'), 'users',
                                    ['escalation_decided_by_id'], ['id'])


def downgrade():
    with op.batch_alter_table('referrals', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_referrals_escalation_decided_by_id_users'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_referrals_risk_escalated_by_id_users'), type_='foreignkey')
        for column in ('referrer_phone', 'payment_basis', 'risk_plan_review_date', 'risk_plan_document', 'escalation_decided_by_id',
                       'escalation_decided_at', 'escalation_decision', 'risk_escalated_by_id', 'risk_escalated_at'):
            batch_op.drop_column(column)
