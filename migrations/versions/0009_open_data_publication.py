"""funding: an organisation's choice to publish its grants and contracts as public open data; uploaded documents

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02 19:00:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0009'
down_revision = '0008'
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
    op.create_table('funding_agreement_documents',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('agreement_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('filename', sa.String(length=200), nullable=False),
    sa.Column('stored_name', sa.String(length=64), nullable=False),
    sa.Column('content_type', sa.String(length=100), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('uploaded_by_id', sa.Integer(), nullable=True),
    sa.Column('public_id', sa.String(length=24), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.ForeignKeyConstraint(['agreement_id'], ['funding_agreements.id'], name=op.f('fk_funding_agreement_documents_agreement_id_funding_agreements'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['users.id'], name=op.f('fk_funding_agreement_documents_uploaded_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_funding_agreement_documents')),
    sa.UniqueConstraint('public_id', name=op.f('uq_funding_agreement_documents_public_id')),
    sa.UniqueConstraint('stored_name', name=op.f('uq_funding_agreement_documents_stored_name'))
    )
    with op.batch_alter_table('funding_agreement_documents', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_funding_agreement_documents_agreement_id'), ['agreement_id'], unique=False)


def downgrade():
    op.drop_table('funding_agreement_documents')
    op.drop_table('funding_open_data_publications')
