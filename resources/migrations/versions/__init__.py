"""The warehouse's schema revisions, one Alembic script each, loaded by Alembic (``resources/migrations``)."""
