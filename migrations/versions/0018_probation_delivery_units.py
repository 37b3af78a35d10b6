"""probation delivery units: the list of England and Wales, offender managers' unit and whether they see the
whole region (a regional probation lead), and the unit each referral was made from

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-03 08:00:00

The rows are this migration's own copy of portal/reference/probation_delivery_units.csv as it was written (a
migration must not change with the code); tests/test_reference_pdus.py checks the two agree.
"""
import sqlalchemy as sa
from alembic import op

revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None

PDUS = [  # (slug, name, probation region slug)
    ('derby-city', 'Derby City', 'east-midlands'),
    ('derbyshire', 'Derbyshire', 'east-midlands'),
    ('leicester-leicestershire-and-rutland', 'Leicester, Leicestershire and Rutland', 'east-midlands'),
    ('lincolnshire-east', 'Lincolnshire East', 'east-midlands'),
    ('lincolnshire-west', 'Lincolnshire West', 'east-midlands'),
    ('northamptonshire', 'Northamptonshire', 'east-midlands'),
    ('nottingham-city', 'Nottingham City', 'east-midlands'),
    ('nottinghamshire', 'Nottinghamshire', 'east-midlands'),
    ('bedfordshire', 'Bedfordshire', 'east-of-england'),
    ('cambridgeshire-and-peterborough', 'Cambridgeshire and Peterborough', 'east-of-england'),
    ('essex-north', 'Essex North', 'east-of-england'),
    ('essex-south', 'Essex South', 'east-of-england'),
    ('hertfordshire', 'Hertfordshire', 'east-of-england'),
    ('norfolk', 'Norfolk', 'east-of-england'),
    ('suffolk', 'Suffolk', 'east-of-england'),
    ('bolton', 'Bolton', 'greater-manchester'),
    ('bury-and-rochdale', 'Bury and Rochdale', 'greater-manchester'),
    ('manchester-north', 'Manchester North', 'greater-manchester'),
    ('manchester-south', 'Manchester South', 'greater-manchester'),
    ('oldham', 'Oldham', 'greater-manchester'),
    ('salford', 'Salford', 'greater-manchester'),
    ('stockport-and-trafford', 'Stockport and Trafford', 'greater-manchester'),
    ('tameside', 'Tameside', 'greater-manchester'),
    ('wigan', 'Wigan', 'greater-manchester'),
    ('brighton-and-east-sussex', 'Brighton and East Sussex', 'kent-surrey-sussex'),
    ('east-kent', 'East Kent', 'kent-surrey-sussex'),
    ('north-kent', 'North Kent', 'kent-surrey-sussex'),
    ('surrey', 'Surrey', 'kent-surrey-sussex'),
    ('west-kent', 'West Kent', 'kent-surrey-sussex'),
    ('west-sussex', 'West Sussex', 'kent-surrey-sussex'),
    ('barking-dagenham-and-havering', 'Barking, Dagenham and Havering', 'london'),
    ('brent', 'Brent', 'london'),
    ('camden-and-islington', 'Camden and Islington', 'london'),
    ('croydon', 'Croydon', 'london'),
    ('ealing-and-hillingdon', 'Ealing and Hillingdon', 'london'),
    ('enfield-and-haringey', 'Enfield and Haringey', 'london'),
    ('greenwich-and-bexley', 'Greenwich and Bexley', 'london'),
    ('hackney-and-city', 'Hackney and City', 'london'),
    ('hammersmith-fulham-kensington-chelsea-and-westminster', 'Hammersmith, Fulham, Kensington, Chelsea and Westminster', 'london'),
    ('harrow-and-barnet', 'Harrow and Barnet', 'london'),
    ('hounslow', 'Hounslow', 'london'),
    ('lambeth', 'Lambeth', 'london'),
    ('lewisham-and-bromley', 'Lewisham and Bromley', 'london'),
    ('newham', 'Newham', 'london'),
    ('redbridge-and-waltham-forest', 'Redbridge and Waltham Forest', 'london'),
    ('richmond-kingston-merton-sutton-and-wandsworth', 'Richmond, Kingston, Merton, Sutton and Wandsworth', 'london'),
    ('southwark', 'Southwark', 'london'),
    ('tower-hamlets', 'Tower Hamlets', 'london'),
    ('county-durham-and-darlington', 'County Durham and Darlington', 'north-east'),
    ('gateshead-and-south-tyneside', 'Gateshead and South Tyneside', 'north-east'),
    ('newcastle-upon-tyne', 'Newcastle upon Tyne', 'north-east'),
    ('north-tyneside-and-northumberland', 'North Tyneside and Northumberland', 'north-east'),
    ('redcar-cleveland-and-middlesbrough', 'Redcar, Cleveland and Middlesbrough', 'north-east'),
    ('stockton-and-hartlepool', 'Stockton and Hartlepool', 'north-east'),
    ('sunderland', 'Sunderland', 'north-east'),
    ('blackburn', 'Blackburn', 'north-west'),
    ('blackpool', 'Blackpool', 'north-west'),
    ('central-lancashire', 'Central Lancashire', 'north-west'),
    ('cheshire-east', 'Cheshire East', 'north-west'),
    ('cheshire-west', 'Cheshire West', 'north-west'),
    ('cumbria', 'Cumbria', 'north-west'),
    ('east-lancashire', 'East Lancashire', 'north-west'),
    ('knowsley-and-st-helens', 'Knowsley and St Helens', 'north-west'),
    ('liverpool-north', 'Liverpool North', 'north-west'),
    ('liverpool-south', 'Liverpool South', 'north-west'),
    ('north-west-lancashire', 'North West Lancashire', 'north-west'),
    ('sefton', 'Sefton', 'north-west'),
    ('warrington-and-halton', 'Warrington and Halton', 'north-west'),
    ('wirral', 'Wirral', 'north-west'),
    ('buckinghamshire-and-milton-keynes', 'Buckinghamshire and Milton Keynes', 'south-central'),
    ('east-berkshire', 'East Berkshire', 'south-central'),
    ('hampshire-north-and-east', 'Hampshire North and East', 'south-central'),
    ('hampshire-south-and-west', 'Hampshire South and West', 'south-central'),
    ('isle-of-wight', 'Isle of Wight', 'south-central'),
    ('oxfordshire', 'Oxfordshire', 'south-central'),
    ('portsmouth', 'Portsmouth', 'south-central'),
    ('southampton', 'Southampton', 'south-central'),
    ('west-berkshire', 'West Berkshire', 'south-central'),
    ('bath-north-east-somerset-and-north-somerset', 'Bath, North East Somerset and North Somerset', 'south-west'),
    ('bournemouth-christchurch-and-poole', 'Bournemouth, Christchurch and Poole', 'south-west'),
    ('bristol-and-south-gloucestershire', 'Bristol and South Gloucestershire', 'south-west'),
    ('cornwall-and-isles-of-scilly', 'Cornwall and Isles of Scilly', 'south-west'),
    ('devon-and-torbay', 'Devon and Torbay', 'south-west'),
    ('dorset', 'Dorset', 'south-west'),
    ('gloucestershire', 'Gloucestershire', 'south-west'),
    ('plymouth', 'Plymouth', 'south-west'),
    ('somerset', 'Somerset', 'south-west'),
    ('swindon', 'Swindon', 'south-west'),
    ('wiltshire', 'Wiltshire', 'south-west'),
    ('cardiff-and-vale', 'Cardiff and Vale', 'wales'),
    ('cwm-taf-morgannwg', 'Cwm Taf Morgannwg', 'wales'),
    ('dyfed-powys', 'Dyfed-Powys', 'wales'),
    ('gwent', 'Gwent', 'wales'),
    ('north-wales', 'North Wales', 'wales'),
    ('swansea-neath-and-port-talbot', 'Swansea, Neath and Port Talbot', 'wales'),
    ('birmingham-central-and-south', 'Birmingham Central and South', 'west-midlands'),
    ('birmingham-north-east-and-solihull', 'Birmingham North, East and Solihull', 'west-midlands'),
    ('coventry', 'Coventry', 'west-midlands'),
    ('dudley-and-sandwell', 'Dudley and Sandwell', 'west-midlands'),
    ('herefordshire-shropshire-and-telford', 'Herefordshire, Shropshire and Telford', 'west-midlands'),
    ('staffordshire-north-and-stoke-on-trent', 'Staffordshire North and Stoke-on-Trent', 'west-midlands'),
    ('staffordshire-south', 'Staffordshire South', 'west-midlands'),
    ('walsall-and-wolverhampton', 'Walsall and Wolverhampton', 'west-midlands'),
    ('warwickshire', 'Warwickshire', 'west-midlands'),
    ('worcestershire', 'Worcestershire', 'west-midlands'),
    ('barnsley-and-rotherham', 'Barnsley and Rotherham', 'yorkshire-humber'),
    ('bradford-and-calderdale', 'Bradford and Calderdale', 'yorkshire-humber'),
    ('doncaster', 'Doncaster', 'yorkshire-humber'),
    ('hull-and-east-riding', 'Hull and East Riding', 'yorkshire-humber'),
    ('kirklees', 'Kirklees', 'yorkshire-humber'),
    ('leeds', 'Leeds', 'yorkshire-humber'),
    ('north-yorkshire', 'North Yorkshire', 'yorkshire-humber'),
    ('north-and-north-east-lincolnshire', 'North and North East Lincolnshire', 'yorkshire-humber'),
    ('sheffield', 'Sheffield', 'yorkshire-humber'),
    ('wakefield', 'Wakefield', 'yorkshire-humber'),
    ('york', 'York', 'yorkshire-humber'),
]


def upgrade():
    table = op.create_table('probation_delivery_units',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('slug', sa.String(length=80), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('probation_region_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['probation_region_id'], ['probation_regions.id'], name=op.f('fk_probation_delivery_units_probation_region_id_probation_regions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_probation_delivery_units')),
    sa.UniqueConstraint('slug', name=op.f('uq_probation_delivery_units_slug'))
    )
    with op.batch_alter_table('probation_delivery_units', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_probation_delivery_units_probation_region_id'), ['probation_region_id'], unique=False)
    regions = dict(op.get_bind().execute(sa.text("SELECT slug, id FROM probation_regions")).all())
    op.bulk_insert(table, [{"slug": slug, "name": name, "probation_region_id": regions[region]}
                           for slug, name, region in PDUS])
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('probation_delivery_unit_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('sees_whole_region', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.create_foreign_key(batch_op.f('fk_users_probation_delivery_unit_id_probation_delivery_units'), 'probation_delivery_units', ['probation_delivery_unit_id'], ['id'])
    with op.batch_alter_table('referrals', schema=None) as batch_op:
        batch_op.add_column(sa.Column('probation_delivery_unit_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_referrals_probation_delivery_unit_id_probation_delivery_units'), 'probation_delivery_units', ['probation_delivery_unit_id'], ['id'])
        batch_op.create_index('ix_referrals_pdu_state', ['probation_delivery_unit_id', 'state'], unique=False)


def downgrade():
    with op.batch_alter_table('referrals', schema=None) as batch_op:
        batch_op.drop_index('ix_referrals_pdu_state')
        batch_op.drop_constraint(batch_op.f('fk_referrals_probation_delivery_unit_id_probation_delivery_units'), type_='foreignkey')
        batch_op.drop_column('probation_delivery_unit_id')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_users_probation_delivery_unit_id_probation_delivery_units'), type_='foreignkey')
        batch_op.drop_column('sees_whole_region')
        batch_op.drop_column('probation_delivery_unit_id')
    op.drop_table('probation_delivery_units')
