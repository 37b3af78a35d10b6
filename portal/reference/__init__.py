"""Reference data: resettlement pathways, regions, contract package areas, probation regions, prisons."""
