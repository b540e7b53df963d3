"""Review state as data: users and their roles, tokens, sessions, queues, jobs, decisions, comments, audit.

The console and the API read and write it through the functions of this package; its tables live on the
store's one `metadata` (see `review.tables`) and are created by the Alembic migrations (`trailguard db
upgrade`), never by `create_all`.
"""
