"""directory: each published listing keeps its Open Referral UK list item beside its document

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-03 20:30:00

Listings published before this migration have none: the feed makes theirs from the document as it reads them, and
each gets its own when it is next published, imported or its organisation's identifiers change.
"""
import sqlalchemy as sa
from alembic import op

revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('directory_services', schema=None) as batch_op:
        batch_op.add_column(sa.Column('summary', sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table('directory_services', schema=None) as batch_op:
        batch_op.drop_column('summary')
