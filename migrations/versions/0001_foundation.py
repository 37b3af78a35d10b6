"""foundation: accounts, organisations, reference data, audit, outbox

Revision ID: 0001
Revises: 
Create Date: 2026-11-23 13:29:58.338230

"""
import sqlalchemy as sa
from alembic import op

# --- Reference data at this revision ---

# (slug, name, description, women's pathway?)
PATHWAYS: list[tuple[str, str, str, bool]] = [
    ("accommodation", "Accommodation",
     "Somewhere safe and stable to live on release: emergency beds, supported housing, tenancy help.", False),
    ("education-training-employment", "Education, training and employment",
     "Skills, qualifications, work experience and jobs, inside and after prison.", False),
    ("health", "Health", "Physical and mental health care, registering with a GP, continuity of treatment.", False),
    ("drugs-alcohol", "Drugs and alcohol", "Treatment and recovery support for drug and alcohol misuse.", False),
    ("finance-benefit-debt", "Finance, benefit and debt",
     "Bank accounts, benefit claims on release, budgeting and debt advice.", False),
    ("children-families", "Children and families",
     "Keeping and rebuilding family ties, parenting support, help for families of people in prison.", False),
    ("attitudes-thinking-behaviour", "Attitudes, thinking and behaviour",
     "Programmes and mentoring that help people change the thinking behind offending.", False),
    ("women-abuse-violence", "Support for women who have been abused, raped or experienced domestic violence",
     "Specialist, women-only support for survivors of abuse, rape and domestic violence.", True),
    ("women-sex-work", "Support for women who have been involved in prostitution",
     "Specialist, non-judgemental support for women who have been involved in prostitution.", True),
]

REGIONS: list[tuple[str, str]] = [
    ("north-east", "North East"),
    ("north-west", "North West"),
    ("yorkshire-humber", "Yorkshire and the Humber"),
    ("east-midlands", "East Midlands"),
    ("west-midlands", "West Midlands"),
    ("east-of-england", "East of England"),
    ("london", "London"),
    ("south-east", "South East"),
    ("south-west", "South West"),
    ("wales", "Wales"),
]

# The 21 contract package areas of the 2013 Transforming Rehabilitation reforms: (slug, name, region slug)
CONTRACT_PACKAGE_AREAS: list[tuple[str, str, str]] = [
    ("northumbria", "Northumbria", "north-east"),
    ("durham-tees-valley", "Durham Tees Valley", "north-east"),
    ("cumbria-lancashire", "Cumbria and Lancashire", "north-west"),
    ("merseyside", "Merseyside", "north-west"),
    ("cheshire-greater-manchester", "Cheshire and Greater Manchester", "north-west"),
    ("humberside-lincolnshire-north-yorkshire", "Humberside, Lincolnshire and North Yorkshire", "yorkshire-humber"),
    ("south-yorkshire", "South Yorkshire", "yorkshire-humber"),
    ("west-yorkshire", "West Yorkshire", "yorkshire-humber"),
    ("derbyshire-leicestershire-nottinghamshire-rutland",
     "Derbyshire, Leicestershire, Nottinghamshire and Rutland", "east-midlands"),
    ("staffordshire-west-midlands", "Staffordshire and West Midlands", "west-midlands"),
    ("warwickshire-west-mercia", "Warwickshire and West Mercia", "west-midlands"),
    ("bedfordshire-northamptonshire-cambridgeshire-hertfordshire",
     "Bedfordshire, Northamptonshire, Cambridgeshire and Hertfordshire", "east-of-england"),
    ("essex", "Essex", "east-of-england"),
    ("norfolk-suffolk", "Norfolk and Suffolk", "east-of-england"),
    ("london", "London", "london"),
    ("hampshire-isle-of-wight", "Hampshire and Isle of Wight", "south-east"),
    ("kent-surrey-sussex", "Kent, Surrey and Sussex", "south-east"),
    ("thames-valley", "Thames Valley", "south-east"),
    ("bristol-gloucestershire-somerset-wiltshire", "Bristol, Gloucestershire, Somerset and Wiltshire", "south-west"),
    ("dorset-devon-cornwall", "Dorset, Devon and Cornwall", "south-west"),
    ("wales", "Wales", "wales"),
]

# The twelve probation regions of England and Wales (2021 onwards): (slug, name)
PROBATION_REGIONS: list[tuple[str, str]] = [
    ("north-east", "North East"),
    ("north-west", "North West"),
    ("greater-manchester", "Greater Manchester"),
    ("yorkshire-humber", "Yorkshire and the Humber"),
    ("east-midlands", "East Midlands"),
    ("west-midlands", "West Midlands"),
    ("east-of-england", "East of England"),
    ("london", "London"),
    ("kent-surrey-sussex", "Kent, Surrey and Sussex"),
    ("south-central", "South Central"),
    ("south-west", "South West"),
    ("wales", "Wales"),
]

# A working subset of prisons: (code, name, region slug)
PRISONS: list[tuple[str, str, str]] = [
    ("BFI", "HMP Bedford", "east-of-england"),
    ("BMI", "HMP Birmingham", "west-midlands"),
    ("BLI", "HMP Bristol", "south-west"),
    ("BXI", "HMP Brixton", "london"),
    ("BZI", "HMP Bronzefield", "south-east"),
    ("CFI", "HMP Cardiff", "wales"),
    ("CDI", "HMP Chelmsford", "east-of-england"),
    ("DNI", "HMP Doncaster", "yorkshire-humber"),
    ("DMI", "HMP Durham", "north-east"),
    ("EWI", "HMP Eastwood Park", "south-west"),
    ("EXI", "HMP Exeter", "south-west"),
    ("HLI", "HMP Hull", "yorkshire-humber"),
    ("LEI", "HMP Leeds", "yorkshire-humber"),
    ("LWI", "HMP Lewes", "south-east"),
    ("LPI", "HMP Liverpool", "north-west"),
    ("LNI", "HMP Low Newton", "north-east"),
    ("MRI", "HMP Manchester", "north-west"),
    ("NMI", "HMP Nottingham", "east-midlands"),
    ("NWI", "HMP Norwich", "east-of-england"),
    ("PVI", "HMP Pentonville", "london"),
    ("PNI", "HMP Preston", "north-west"),
    ("STI", "HMP Styal", "north-west"),
    ("SWI", "HMP Swansea", "wales"),
    ("WWI", "HMP Wandsworth", "london"),
    ("WCI", "HMP Winchester", "south-east"),
]

SECTORS: list[tuple[str, str]] = [
    ("public", "Public sector"),
    ("private", "Private sector"),
    ("voluntary-community", "Voluntary and community sector"),
    ("social-enterprise", "Social enterprise"),
]



# revision identifiers, used by Alembic.
revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    # ### commands auto generated by Alembic, then checked by hand ###
    op.create_table('outbox_messages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('topic', sa.String(length=40), nullable=False),
    sa.Column('payload', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('available_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('processed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('failed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outbox_messages'))
    )
    with op.batch_alter_table('outbox_messages', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_outbox_messages_available_at'), ['available_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_outbox_messages_processed_at'), ['processed_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_outbox_messages_topic'), ['topic'], unique=False)

    op.create_table('pathways',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('slug', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('womens', sa.Boolean(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pathways')),
    sa.UniqueConstraint('slug', name=op.f('uq_pathways_slug'))
    )
    op.create_table('probation_regions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('slug', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_probation_regions')),
    sa.UniqueConstraint('slug', name=op.f('uq_probation_regions_slug'))
    )
    op.create_table('regions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('slug', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_regions')),
    sa.UniqueConstraint('slug', name=op.f('uq_regions_slug'))
    )
    op.create_table('contract_package_areas',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('slug', sa.String(length=80), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('region_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['region_id'], ['regions.id'], name=op.f('fk_contract_package_areas_region_id_regions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_contract_package_areas')),
    sa.UniqueConstraint('slug', name=op.f('uq_contract_package_areas_slug'))
    )
    op.create_table('prisons',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=8), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('region_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['region_id'], ['regions.id'], name=op.f('fk_prisons_region_id_regions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_prisons')),
    sa.UniqueConstraint('code', name=op.f('uq_prisons_code'))
    )
    op.create_table('users',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=True),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('role', sa.String(length=30), nullable=False),
    sa.Column('password_hash', sa.String(length=255), nullable=True),
    sa.Column('email_verified_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('disabled_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('session_version', sa.Integer(), nullable=False),
    sa.Column('totp_secret', sa.String(length=64), nullable=True),
    sa.Column('totp_last_counter', sa.Integer(), nullable=True),
    sa.Column('mfa_enabled_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_signed_in_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('password_changed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('probation_region_id', sa.Integer(), nullable=True),
    sa.Column('prison_id', sa.Integer(), nullable=True),
    sa.Column('public_id', sa.String(length=24), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.ForeignKeyConstraint(['prison_id'], ['prisons.id'], name=op.f('fk_users_prison_id_prisons')),
    sa.ForeignKeyConstraint(['probation_region_id'], ['probation_regions.id'], name=op.f('fk_users_probation_region_id_probation_regions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_users')),
    sa.UniqueConstraint('email', name=op.f('uq_users_email')),
    sa.UniqueConstraint('public_id', name=op.f('uq_users_public_id'))
    )
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_users_role'), ['role'], unique=False)

    op.create_table('api_tokens',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('prefix', sa.String(length=12), nullable=False),
    sa.Column('last_used_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('public_id', sa.String(length=24), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_api_tokens_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_api_tokens')),
    sa.UniqueConstraint('public_id', name=op.f('uq_api_tokens_public_id')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_api_tokens_token_hash'))
    )
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_api_tokens_user_id'), ['user_id'], unique=False)

    op.create_table('audit_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('actor_role', sa.String(length=30), nullable=False),
    sa.Column('action', sa.String(length=60), nullable=False),
    sa.Column('object_type', sa.String(length=40), nullable=False),
    sa.Column('object_id', sa.String(length=40), nullable=False),
    sa.Column('subject_ref', sa.String(length=60), nullable=True),
    sa.Column('reason', sa.String(length=500), nullable=False),
    sa.Column('details', sa.JSON(), nullable=False),
    sa.Column('request_id', sa.String(length=40), nullable=False),
    sa.Column('api_token_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_audit_events_actor_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_events'))
    )
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_events_action'), ['action'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_events_actor_id'), ['actor_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_events_at'), ['at'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_events_object_id'), ['object_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_events_subject_ref'), ['subject_ref'], unique=False)

    op.create_table('organisations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('sector', sa.String(length=40), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('website', sa.String(length=300), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decision_reason', sa.Text(), nullable=False),
    sa.Column('public_id', sa.String(length=24), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'], name=op.f('fk_organisations_decided_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_organisations')),
    sa.UniqueConstraint('public_id', name=op.f('uq_organisations_public_id'))
    )
    with op.batch_alter_table('organisations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_organisations_name'), ['name'], unique=False)
        batch_op.create_index(batch_op.f('ix_organisations_status'), ['status'], unique=False)

    op.create_table('invitations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('org_role', sa.String(length=20), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('invited_by_id', sa.Integer(), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('accepted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('public_id', sa.String(length=24), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.ForeignKeyConstraint(['invited_by_id'], ['users.id'], name=op.f('fk_invitations_invited_by_id_users')),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_invitations_organisation_id_organisations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_invitations')),
    sa.UniqueConstraint('public_id', name=op.f('uq_invitations_public_id')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_invitations_token_hash'))
    )
    with op.batch_alter_table('invitations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_invitations_organisation_id'), ['organisation_id'], unique=False)

    op.create_table('memberships',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('org_role', sa.String(length=20), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_memberships_organisation_id_organisations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_memberships_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_memberships')),
    sa.UniqueConstraint('user_id', 'organisation_id', name=op.f('uq_memberships_user_id'))
    )
    with op.batch_alter_table('memberships', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_memberships_organisation_id'), ['organisation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_memberships_user_id'), ['user_id'], unique=False)

    op.create_table('organisation_cpas',
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('contract_package_area_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['contract_package_area_id'], ['contract_package_areas.id'], name=op.f('fk_organisation_cpas_contract_package_area_id_contract_package_areas')),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_organisation_cpas_organisation_id_organisations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('organisation_id', 'contract_package_area_id', name=op.f('pk_organisation_cpas'))
    )
    op.create_table('organisation_identifiers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('scheme', sa.String(length=20), nullable=False),
    sa.Column('identifier', sa.String(length=40), nullable=False),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_organisation_identifiers_organisation_id_organisations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_organisation_identifiers')),
    sa.UniqueConstraint('scheme', 'identifier', name=op.f('uq_organisation_identifiers_scheme'))
    )
    with op.batch_alter_table('organisation_identifiers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_organisation_identifiers_organisation_id'), ['organisation_id'], unique=False)

    op.create_table('organisation_regions',
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('region_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_organisation_regions_organisation_id_organisations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['region_id'], ['regions.id'], name=op.f('fk_organisation_regions_region_id_regions')),
    sa.PrimaryKeyConstraint('organisation_id', 'region_id', name=op.f('pk_organisation_regions'))
    )
    # ### end Alembic commands ###
    load_reference_data()


def load_reference_data():
    """The reference lists as they stood at this revision (copied, so later edits to the code do not
    change what this migration did)."""
    meta = sa.MetaData()
    meta.reflect(bind=op.get_bind(), only=("pathways", "regions", "contract_package_areas", "probation_regions",
                                           "prisons"))
    t = meta.tables
    op.bulk_insert(t["pathways"], [
        {"id": i, "slug": slug, "name": name, "description": description, "womens": womens, "position": i}
        for i, (slug, name, description, womens) in enumerate(PATHWAYS, start=1)])
    op.bulk_insert(t["regions"], [{"id": i, "slug": slug, "name": name}
                                  for i, (slug, name) in enumerate(REGIONS, start=1)])
    region_ids = {slug: i for i, (slug, _) in enumerate(REGIONS, start=1)}
    op.bulk_insert(t["contract_package_areas"], [
        {"id": i, "slug": slug, "name": name, "region_id": region_ids[region]}
        for i, (slug, name, region) in enumerate(CONTRACT_PACKAGE_AREAS, start=1)])
    op.bulk_insert(t["probation_regions"], [{"id": i, "slug": slug, "name": name}
                                            for i, (slug, name) in enumerate(PROBATION_REGIONS, start=1)])
    op.bulk_insert(t["prisons"], [{"id": i, "code": code, "name": name, "region_id": region_ids[region]}
                                  for i, (code, name, region) in enumerate(PRISONS, start=1)])
    if op.get_bind().dialect.name == "postgresql":  # explicit ids: move the sequences past them
        for table in ("pathways", "regions", "contract_package_areas", "probation_regions", "prisons"):
            op.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT MAX(id) FROM {table}))")


def downgrade():
    # ### commands auto generated by Alembic - please adjust! ###
    op.drop_table('organisation_regions')
    with op.batch_alter_table('organisation_identifiers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_organisation_identifiers_organisation_id'))

    op.drop_table('organisation_identifiers')
    op.drop_table('organisation_cpas')
    with op.batch_alter_table('memberships', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_memberships_user_id'))
        batch_op.drop_index(batch_op.f('ix_memberships_organisation_id'))

    op.drop_table('memberships')
    with op.batch_alter_table('invitations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_invitations_organisation_id'))

    op.drop_table('invitations')
    with op.batch_alter_table('organisations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_organisations_status'))
        batch_op.drop_index(batch_op.f('ix_organisations_name'))

    op.drop_table('organisations')
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_events_subject_ref'))
        batch_op.drop_index(batch_op.f('ix_audit_events_object_id'))
        batch_op.drop_index(batch_op.f('ix_audit_events_at'))
        batch_op.drop_index(batch_op.f('ix_audit_events_actor_id'))
        batch_op.drop_index(batch_op.f('ix_audit_events_action'))

    op.drop_table('audit_events')
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_api_tokens_user_id'))

    op.drop_table('api_tokens')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_users_role'))

    op.drop_table('users')
    op.drop_table('prisons')
    op.drop_table('contract_package_areas')
    op.drop_table('regions')
    op.drop_table('probation_regions')
    op.drop_table('pathways')
    with op.batch_alter_table('outbox_messages', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_outbox_messages_topic'))
        batch_op.drop_index(batch_op.f('ix_outbox_messages_processed_at'))
        batch_op.drop_index(batch_op.f('ix_outbox_messages_available_at'))

    op.drop_table('outbox_messages')
    # ### end Alembic commands ###
