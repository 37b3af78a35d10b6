"""prisons of England and Wales: the full list (120) instead of the first 25

Rows are upserted by code: existing prisons keep their ids (users, learners and referrals point at them); names and
regions follow the list. The list is copied here, so later changes to portal/reference/prisons.csv (kept current with
`flask reference import-prisons FILE`) do not change what this migration did.
Source: HM Prison and Probation Service, prison finder and prison register (agency codes as in NOMIS), under the
Open Government Licence v3.0.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-03 07:40:00

"""
import sqlalchemy as sa
from alembic import op

revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None

# (code, name, region slug), as published on 2026-12-03
PRISONS = [
    ("ACI", "HMP Altcourse", "north-west"),
    ("AGI", "HMP Askham Grange", "yorkshire-humber"),
    ("ASI", "HMP Ashfield", "south-west"),
    ("AYI", "HMP Aylesbury", "south-east"),
    ("BAI", "HMP Belmarsh", "london"),
    ("BCI", "HMP Buckley Hall", "north-west"),
    ("BFI", "HMP Bedford", "east-of-england"),
    ("BLI", "HMP Bristol", "south-west"),
    ("BMI", "HMP Birmingham", "west-midlands"),
    ("BNI", "HMP Bullingdon", "south-east"),
    ("BRI", "HMP Bure", "east-of-england"),
    ("BSI", "HMP Brinsford", "west-midlands"),
    ("BWI", "HMP Berwyn", "wales"),
    ("BXI", "HMP Brixton", "london"),
    ("BZI", "HMP Bronzefield", "south-east"),
    ("CDI", "HMP Chelmsford", "east-of-england"),
    ("CFI", "HMP Cardiff", "wales"),
    ("CKI", "HMYOI Cookham Wood", "south-east"),
    ("CLI", "HMP Coldingley", "south-east"),
    ("CWI", "HMP Channings Wood", "south-west"),
    ("DGI", "HMP Dovegate", "west-midlands"),
    ("DHI", "HMP Drake Hall", "west-midlands"),
    ("DMI", "HMP Durham", "north-east"),
    ("DNI", "HMP Doncaster", "yorkshire-humber"),
    ("DTI", "HMP Deerbolt", "north-east"),
    ("DWI", "HMP Downview", "south-east"),
    ("EEI", "HMP Erlestoke", "south-west"),
    ("EHI", "HMP Standford Hill", "south-east"),
    ("ESI", "HMP East Sutton Park", "south-east"),
    ("EWI", "HMP Eastwood Park", "south-west"),
    ("EXI", "HMP Exeter", "south-west"),
    ("EYI", "HMP Elmley", "south-east"),
    ("FBI", "HMP Forest Bank", "north-west"),
    ("FDI", "HMP Ford", "south-east"),
    ("FHI", "HMP Foston Hall", "east-midlands"),
    ("FKI", "HMP Frankland", "north-east"),
    ("FMI", "HMYOI Feltham", "london"),
    ("FNI", "HMP Full Sutton", "yorkshire-humber"),
    ("FSI", "HMP Featherstone", "west-midlands"),
    ("FWI", "HMP Five Wells", "east-midlands"),
    ("GHI", "HMP Garth", "north-west"),
    ("GMI", "HMP Guys Marsh", "south-west"),
    ("GNI", "HMP Grendon", "south-east"),
    ("GTI", "HMP Gartree", "east-midlands"),
    ("HBI", "HMP Hollesley Bay", "east-of-england"),
    ("HCI", "HMP Huntercombe", "south-east"),
    ("HDI", "HMP Hatfield", "yorkshire-humber"),
    ("HEI", "HMP Hewell", "west-midlands"),
    ("HHI", "HMP Holme House", "north-east"),
    ("HII", "HMP Hindley", "north-west"),
    ("HLI", "HMP Hull", "yorkshire-humber"),
    ("HMI", "HMP Humber", "yorkshire-humber"),
    ("HOI", "HMP High Down", "south-east"),
    ("HPI", "HMP Highpoint", "east-of-england"),
    ("HVI", "HMP Haverigg", "north-west"),
    ("ISI", "HMP Isis", "london"),
    ("IWI", "HMP Isle of Wight", "south-east"),
    ("KMI", "HMP Kirkham", "north-west"),
    ("KVI", "HMP Kirklevington Grange", "north-east"),
    ("LCI", "HMP Leicester", "east-midlands"),
    ("LEI", "HMP Leeds", "yorkshire-humber"),
    ("LFI", "HMP Lancaster Farms", "north-west"),
    ("LGI", "HMP Lowdham Grange", "east-midlands"),
    ("LHI", "HMP Lindholme", "yorkshire-humber"),
    ("LII", "HMP Lincoln", "east-midlands"),
    ("LLI", "HMP Long Lartin", "west-midlands"),
    ("LNI", "HMP Low Newton", "north-east"),
    ("LPI", "HMP Liverpool", "north-west"),
    ("LTI", "HMP Littlehey", "east-of-england"),
    ("LWI", "HMP Lewes", "south-east"),
    ("LYI", "HMP Leyhill", "south-west"),
    ("MDI", "HMP Moorland", "yorkshire-humber"),
    ("MHI", "HMP Morton Hall", "east-midlands"),
    ("MRI", "HMP Manchester", "north-west"),
    ("MSI", "HMP Maidstone", "south-east"),
    ("MTI", "HMP The Mount", "east-of-england"),
    ("NHI", "HMP New Hall", "yorkshire-humber"),
    ("NLI", "HMP Northumberland", "north-east"),
    ("NMI", "HMP Nottingham", "east-midlands"),
    ("NSI", "HMP North Sea Camp", "east-midlands"),
    ("NWI", "HMP Norwich", "east-of-england"),
    ("ONI", "HMP Onley", "west-midlands"),
    ("OWI", "HMP Oakwood", "west-midlands"),
    ("PBI", "HMP Peterborough", "east-of-england"),
    ("PDI", "HMP Portland", "south-west"),
    ("PNI", "HMP Preston", "north-west"),
    ("PRI", "HMP Parc", "wales"),
    ("PVI", "HMP Pentonville", "london"),
    ("RCI", "HMP Rochester", "south-east"),
    ("RHI", "HMP Rye Hill", "east-midlands"),
    ("RNI", "HMP Ranby", "east-midlands"),
    ("RSI", "HMP Risley", "north-west"),
    ("SDI", "HMP Send", "south-east"),
    ("SFI", "HMP Stafford", "west-midlands"),
    ("SHI", "HMP Stoke Heath", "west-midlands"),
    ("SKI", "HMP Stocken", "east-midlands"),
    ("SLI", "HMP Swaleside", "south-east"),
    ("SNI", "HMP Swinfen Hall", "west-midlands"),
    ("SPI", "HMP Spring Hill", "south-east"),
    ("STI", "HMP Styal", "north-west"),
    ("SUI", "HMP Sudbury", "east-midlands"),
    ("SWI", "HMP Swansea", "wales"),
    ("TCI", "HMP Thorn Cross", "north-west"),
    ("TSI", "HMP Thameside", "london"),
    ("UKI", "HMP Usk", "wales"),
    ("UPI", "HMP Prescoed", "wales"),
    ("VEI", "HMP The Verne", "south-west"),
    ("WCI", "HMP Winchester", "south-east"),
    ("WDI", "HMP Wakefield", "yorkshire-humber"),
    ("WEI", "HMP Wealstun", "yorkshire-humber"),
    ("WHI", "HMP Woodhill", "south-east"),
    ("WII", "HMP Warren Hill", "east-of-england"),
    ("WLI", "HMP Wayland", "east-of-england"),
    ("WMI", "HMP Wymott", "north-west"),
    ("WNI", "HMYOI Werrington", "west-midlands"),
    ("WRI", "HMP Whitemoor", "east-of-england"),
    ("WSI", "HMP Wormwood Scrubs", "london"),
    ("WTI", "HMP Whatton", "east-midlands"),
    ("WWI", "HMP Wandsworth", "london"),
    ("WYI", "HMYOI Wetherby", "yorkshire-humber"),
]


def upgrade():
    bind = op.get_bind()
    meta = sa.MetaData()
    meta.reflect(bind=bind, only=("prisons", "regions"))
    prisons, regions = meta.tables["prisons"], meta.tables["regions"]
    region_ids = dict(bind.execute(sa.select(regions.c.slug, regions.c.id)).all())
    existing = dict(bind.execute(sa.select(prisons.c.code, prisons.c.id)).all())
    for code, name, region in PRISONS:
        values = {"name": name, "region_id": region_ids[region]}
        if code in existing:
            bind.execute(prisons.update().where(prisons.c.id == existing[code]).values(**values))
        else:
            bind.execute(prisons.insert().values(code=code, **values))


def downgrade():
    """The added prisons stay: users, learners, referrals and opportunities may point at them by now."""
