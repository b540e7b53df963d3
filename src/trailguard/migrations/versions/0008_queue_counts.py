"""Review: jobs per queue and status kept by triggers (review_queue_counts), so the queue page reads a few
rows instead of counting every job.

Triggers, not application code: every path that adds, deletes (a cascade from a deleted item or queue too)
or moves a job keeps the counts right without knowing of them. SQLite has row triggers; PostgreSQL gets
statement triggers over transition tables, one row per (queue, status) a statement changes rather than one
per job (a fill makes 75k jobs at once). The table may exist already (`create_schema` makes declared tables
for a store older than migrations), so it is emptied and counted afresh here either way.

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

COUNTS = "INSERT INTO review_queue_counts (queue_id, status, n)"

SQLITE_TRIGGERS = [
    f"""CREATE TRIGGER review_jobs_count_insert AFTER INSERT ON review_jobs BEGIN
        {COUNTS} VALUES (NEW.queue_id, NEW.status, 1); END""",
    f"""CREATE TRIGGER review_jobs_count_delete AFTER DELETE ON review_jobs BEGIN
        {COUNTS} VALUES (OLD.queue_id, OLD.status, -1); END""",
    f"""CREATE TRIGGER review_jobs_count_update AFTER UPDATE OF queue_id, status ON review_jobs
        WHEN OLD.queue_id IS NOT NEW.queue_id OR OLD.status IS NOT NEW.status BEGIN
        {COUNTS} VALUES (OLD.queue_id, OLD.status, -1);
        {COUNTS} VALUES (NEW.queue_id, NEW.status, 1); END""",
]

# One function for the three statement triggers; each branch reads only the transition tables its trigger
# has. An update that changes no job's queue or status (a claim, the no-op updates that take a lock first)
# adds nothing: its -1 and +1 cancel in the HAVING.
POSTGRES_FUNCTION = f"""
CREATE OR REPLACE FUNCTION review_jobs_count() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        {COUNTS} SELECT queue_id, status, count(*) FROM new_rows GROUP BY queue_id, status;
    ELSIF TG_OP = 'DELETE' THEN
        {COUNTS} SELECT queue_id, status, -count(*) FROM old_rows GROUP BY queue_id, status;
    ELSE
        {COUNTS} SELECT queue_id, status, sum(d) FROM (
            SELECT queue_id, status, -1 AS d FROM old_rows
            UNION ALL SELECT queue_id, status, 1 FROM new_rows
        ) AS moved GROUP BY queue_id, status HAVING sum(d) <> 0;
    END IF;
    RETURN NULL;
END $$
"""
POSTGRES_TRIGGERS = [
    """CREATE TRIGGER review_jobs_count_insert AFTER INSERT ON review_jobs
        REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION review_jobs_count()""",
    """CREATE TRIGGER review_jobs_count_delete AFTER DELETE ON review_jobs
        REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION review_jobs_count()""",
    """CREATE TRIGGER review_jobs_count_update AFTER UPDATE ON review_jobs
        REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
        FOR EACH STATEMENT EXECUTE FUNCTION review_jobs_count()""",
]
TRIGGERS = ("review_jobs_count_insert", "review_jobs_count_delete", "review_jobs_count_update")


def upgrade() -> None:
    bind = op.get_bind()
    if not sa.inspect(bind).has_table("review_queue_counts"):
        op.create_table(
            "review_queue_counts",
            sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
            sa.Column("queue_id", sa.Integer, nullable=False),
            sa.Column("status", sa.String(16), nullable=False),
            sa.Column("n", sa.Integer, nullable=False),
        )
    op.execute("DELETE FROM review_queue_counts")
    op.execute(f"{COUNTS} SELECT queue_id, status, count(*) FROM review_jobs GROUP BY queue_id, status")
    if bind.dialect.name == "postgresql":
        op.execute(POSTGRES_FUNCTION)
        for trigger in POSTGRES_TRIGGERS:
            op.execute(trigger)
    else:
        for trigger in SQLITE_TRIGGERS:
            op.execute(trigger)


def downgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    for name in TRIGGERS:
        op.execute(f"DROP TRIGGER {name} ON review_jobs" if postgres else f"DROP TRIGGER {name}")
    if postgres:
        op.execute("DROP FUNCTION review_jobs_count()")
    op.drop_table("review_queue_counts")
