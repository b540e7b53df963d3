"""Alembic migrations of the store, shipped inside the package (`trailguard db upgrade` runs them).

0001 is the schema as `create_schema` made it before migrations existed; 0002 adds the review tables.
"""
