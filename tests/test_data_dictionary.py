"""Every column is marked in the data dictionary, so none can arrive without someone deciding what it holds."""
from sqlalchemy import inspect

from portal.data_dictionary import DICTIONARY, NONE, OFFENCE, PERSONAL, SECRET


def test_every_table_and_column_in_the_database_is_marked(db):
    inspector = inspect(db.engine)
    tables = set(inspector.get_table_names()) - {"alembic_version"}
    assert tables == set(DICTIONARY), "tables missing from (or extra in) portal/data_dictionary.py"
    for table in tables:
        columns = {c["name"] for c in inspector.get_columns(table)}
        assert columns == set(DICTIONARY[table]), f"{table}: columns and data dictionary differ"


def test_markings_are_known_kinds(db):
    for table, columns in DICTIONARY.items():
        for column, kind in columns.items():
            assert kind in {NONE, PERSONAL, OFFENCE, SECRET}, f"{table}.{column} has unknown marking {kind}"


def test_models_and_migrations_agree(db):
    """Alembic's autogenerate finds nothing to do: every table is created by a migration."""
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    with db.engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), db.metadata)
    assert diff == []
