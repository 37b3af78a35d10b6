"""funding: an organisation's choice to publish its grants and contracts as public open data

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02 19:00:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('funding_open_data_publications',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('published', sa.Boolean(), nullable=False),
    sa.Column('changed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('changed_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.ForeignKeyConstraint(['changed_by_id'], ['users.id'], name=op.f('fk_funding_open_data_publications_changed_by_id_users')),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_funding_open_data_publications_organisation_id_organisations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_funding_open_data_publications')),
    sa.UniqueConstraint('organisation_id', name=op.f('uq_funding_open_data_publications_organisation_id'))
    )


def downgrade():
    op.drop_table('funding_open_data_publications')
