"""offers to specialists, dispatches, extensions, evaluations, days-per-week trigger

Offers (dispatch_offers) put approved proposals to specialists; dispatches are the agreed
placements, with their extensions and end-of-dispatch evaluations. The days-per-week rule is
created here as triggers on both tables, one version per dialect (see below).

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-29 15:55:27.179819

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


# --- the days-per-week rule, enforced by the database -------------------------------------
#
# A specialist's commitments are their pending offers and their scheduled or active dispatches.
# On every day, the days per week of the commitments running that day must stay within the
# days per week the specialist offered (specialists.days_per_week). A new or changed row is
# checked against the others: the load from the others is a step function that only rises on
# a start date, so its maximum over the row's period is reached on the row's first day or on
# the first day of another commitment inside the period; those days are the only ones tried.
#
# PostgreSQL: one PL/pgSQL function does the check after locking the specialist's row
# (SELECT ... FOR UPDATE). Two transactions booking the same specialist at the same moment
# are thereby serialised: the second waits for the first to commit and then, at READ
# COMMITTED (the default), its next statement sees the first one's row and refuses.
# SQLite: equivalent BEFORE INSERT/UPDATE triggers with RAISE(ABORT); SQLite has one writer at
# a time, which serialises bookings by itself. SQLite does not allow WITH inside triggers, so
# the commitments are spelled out as a sub-select.

MARKER = "dispatch_days_per_week_exceeded"
COUNTED_DISPATCH = "('scheduled', 'active')"
# Columns whose change can raise the load; a change of anything else (a note, started_at) is not checked.
WATCHED = ("specialist_id", "start_date", "end_date", "days_per_week", "status")
TABLES = ("dispatches", "dispatch_offers")

PG_FUNCTION = f"""
CREATE FUNCTION talentbank_check_days_per_week(
    p_specialist integer, p_start date, p_end date, p_days integer,
    p_skip_dispatch integer, p_skip_offer integer) RETURNS void AS $$
DECLARE
    offered integer;
    booked integer;
BEGIN
    -- Serialise every booking of this specialist (see the migration's comment).
    SELECT s.days_per_week INTO offered FROM specialists s WHERE s.id = p_specialist FOR UPDATE;
    WITH c AS (
        SELECT d.start_date, d.end_date, d.days_per_week FROM dispatches d
         WHERE d.specialist_id = p_specialist AND d.status IN {COUNTED_DISPATCH}
           AND d.id IS DISTINCT FROM p_skip_dispatch
        UNION ALL
        SELECT o.start_date, o.end_date, o.days_per_week FROM dispatch_offers o
         WHERE o.specialist_id = p_specialist AND o.status = 'pending'
           AND o.id IS DISTINCT FROM p_skip_offer
    ), probe AS (
        SELECT p_start AS day
        UNION SELECT c.start_date FROM c WHERE c.start_date > p_start AND c.start_date <= p_end
    )
    SELECT COALESCE(MAX(load), 0) INTO booked FROM (
        SELECT (SELECT COALESCE(SUM(c.days_per_week), 0) FROM c
                 WHERE c.start_date <= probe.day AND c.end_date >= probe.day) AS load
          FROM probe) loads;
    IF booked + p_days > offered THEN
        RAISE EXCEPTION '{MARKER}: specialist % offers % day(s) a week; % already booked between % and %; % more asked',
            p_specialist, offered, booked, p_start, p_end, p_days
            USING ERRCODE = 'check_violation';
    END IF;
END;
$$ LANGUAGE plpgsql
"""


def _pg_trigger_function(table: str) -> str:
    if table == "dispatches":
        counted = f"NEW.status IN {COUNTED_DISPATCH}"
        was_counted = f"OLD.status IN {COUNTED_DISPATCH}"
        skip = "NEW.id, NULL"
    else:
        counted = "NEW.status = 'pending'"
        was_counted = "OLD.status = 'pending'"
        skip = "NULL, NEW.id"
    changed = " OR ".join(f"NEW.{c} IS DISTINCT FROM OLD.{c}" for c in WATCHED if c != "status")
    return f"""
CREATE FUNCTION {table}_days_per_week_guard() RETURNS trigger AS $$
BEGIN
    IF {counted} AND (TG_OP = 'INSERT' OR NOT ({was_counted}) OR {changed}) THEN
        PERFORM talentbank_check_days_per_week(NEW.specialist_id, NEW.start_date, NEW.end_date,
                                               NEW.days_per_week, {skip});
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql
"""


def _sqlite_max_load(table: str) -> str:
    if table == "dispatches":
        skip_d, skip_o = "AND d.id IS NOT NEW.id", ""
    else:
        skip_d, skip_o = "", "AND o.id IS NOT NEW.id"
    commitments = (
        f"SELECT d.start_date AS start_date, d.end_date AS end_date, d.days_per_week AS days_per_week "
        f"FROM dispatches d WHERE d.specialist_id = NEW.specialist_id AND d.status IN {COUNTED_DISPATCH} {skip_d} "
        f"UNION ALL "
        f"SELECT o.start_date, o.end_date, o.days_per_week FROM dispatch_offers o "
        f"WHERE o.specialist_id = NEW.specialist_id AND o.status = 'pending' {skip_o}"
    )
    return (
        f"COALESCE((SELECT MAX((SELECT COALESCE(SUM(c.days_per_week), 0) FROM ({commitments}) c "
        f"WHERE c.start_date <= probe.day AND c.end_date >= probe.day)) "
        f"FROM (SELECT NEW.start_date AS day UNION SELECT c.start_date FROM ({commitments}) c "
        f"WHERE c.start_date > NEW.start_date AND c.start_date <= NEW.end_date) probe), 0)"
    )


def _sqlite_triggers(table: str) -> list[str]:
    counted = f"NEW.status IN {COUNTED_DISPATCH}" if table == "dispatches" else "NEW.status = 'pending'"
    was_counted = f"OLD.status IN {COUNTED_DISPATCH}" if table == "dispatches" else "OLD.status = 'pending'"
    changed = " OR ".join(f"NEW.{c} IS NOT OLD.{c}" for c in WATCHED if c != "status")
    body = (
        f"BEGIN SELECT RAISE(ABORT, '{MARKER}') WHERE NEW.days_per_week + {_sqlite_max_load(table)} > "
        f"(SELECT s.days_per_week FROM specialists s WHERE s.id = NEW.specialist_id); END"
    )
    return [
        f"CREATE TRIGGER {table}_days_per_week_insert BEFORE INSERT ON {table} "
        f"FOR EACH ROW WHEN {counted} {body}",
        f"CREATE TRIGGER {table}_days_per_week_update BEFORE UPDATE OF {', '.join(WATCHED)} ON {table} "
        f"FOR EACH ROW WHEN {counted} AND (NOT ({was_counted}) OR {changed}) {body}",
    ]


def create_days_per_week_triggers(bind) -> None:
    if bind.dialect.name == "postgresql":
        # psycopg reads % as a placeholder even without parameters: RAISE's % are doubled.
        bind.exec_driver_sql(PG_FUNCTION.replace("%", "%%"))
        for table in TABLES:
            bind.exec_driver_sql(_pg_trigger_function(table))
            bind.exec_driver_sql(
                f"CREATE TRIGGER {table}_days_per_week BEFORE INSERT OR UPDATE OF {', '.join(WATCHED)} "
                f"ON {table} FOR EACH ROW EXECUTE FUNCTION {table}_days_per_week_guard()")
    elif bind.dialect.name == "sqlite":
        for table in TABLES:
            for statement in _sqlite_triggers(table):
                bind.exec_driver_sql(statement)
    else:  # pragma: no cover - the project runs on these two only
        raise NotImplementedError(f"days-per-week trigger for {bind.dialect.name}")


def drop_days_per_week_triggers(bind) -> None:
    if bind.dialect.name == "postgresql":
        for table in TABLES:
            bind.exec_driver_sql(f"DROP TRIGGER IF EXISTS {table}_days_per_week ON {table}")
            bind.exec_driver_sql(f"DROP FUNCTION IF EXISTS {table}_days_per_week_guard()")
        bind.exec_driver_sql("DROP FUNCTION IF EXISTS talentbank_check_days_per_week"
                             "(integer, date, date, integer, integer, integer)")
    elif bind.dialect.name == "sqlite":
        for table in TABLES:
            bind.exec_driver_sql(f"DROP TRIGGER IF EXISTS {table}_days_per_week_insert")
            bind.exec_driver_sql(f"DROP TRIGGER IF EXISTS {table}_days_per_week_update")


def upgrade():
    op.create_table('dispatch_offers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('proposal_id', sa.Integer(), nullable=False),
    sa.Column('specialist_id', sa.Integer(), nullable=False),
    sa.Column('request_id', sa.Integer(), nullable=False),
    sa.Column('city_id', sa.Integer(), nullable=False),
    sa.Column('start_date', sa.Date(), nullable=False),
    sa.Column('end_date', sa.Date(), nullable=False),
    sa.Column('days_per_week', sa.Integer(), nullable=False),
    sa.Column('work_mode', sa.String(length=10), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('deadline_at', sa.DateTime(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('closed_at', sa.DateTime(), nullable=True),
    sa.Column('answered_by_id', sa.Integer(), nullable=True),
    sa.Column('decline_reason', sa.Text(), nullable=True),
    sa.Column('cancel_reason', sa.Text(), nullable=True),
    sa.Column('reminded_at', sa.DateTime(), nullable=True),
    sa.CheckConstraint("status = 'pending' OR closed_at IS NOT NULL", name=op.f('ck_dispatch_offers_closed_unless_pending')),
    sa.CheckConstraint("status IN ('pending', 'accepted', 'declined', 'lapsed', 'cancelled')", name=op.f('ck_dispatch_offers_status_known')),
    sa.CheckConstraint("work_mode IN ('onsite', 'remote')", name=op.f('ck_dispatch_offers_work_mode_known')),
    sa.CheckConstraint('days_per_week >= 1 AND days_per_week <= 5', name=op.f('ck_dispatch_offers_days_range')),
    sa.CheckConstraint('start_date <= end_date', name=op.f('ck_dispatch_offers_period_in_order')),
    sa.ForeignKeyConstraint(['answered_by_id'], ['users.id'], name=op.f('fk_dispatch_offers_answered_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['city_id'], ['cities.id'], name=op.f('fk_dispatch_offers_city_id_cities')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_dispatch_offers_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['proposal_id'], ['proposals.id'], name=op.f('fk_dispatch_offers_proposal_id_proposals')),
    sa.ForeignKeyConstraint(['request_id'], ['staffing_requests.id'], name=op.f('fk_dispatch_offers_request_id_staffing_requests')),
    sa.ForeignKeyConstraint(['specialist_id'], ['specialists.id'], name=op.f('fk_dispatch_offers_specialist_id_specialists')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_dispatch_offers')),
    sa.UniqueConstraint('proposal_id', name=op.f('uq_dispatch_offers_proposal_id'))
    )
    with op.batch_alter_table('dispatch_offers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_dispatch_offers_city_id'), ['city_id'], unique=False)
        batch_op.create_index('ix_dispatch_offers_request_status', ['request_id', 'status'], unique=False)
        batch_op.create_index('ix_dispatch_offers_specialist_status', ['specialist_id', 'status'], unique=False)
        batch_op.create_index('ix_dispatch_offers_status_deadline', ['status', 'deadline_at'], unique=False)

    op.create_table('dispatches',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('specialist_id', sa.Integer(), nullable=False),
    sa.Column('city_id', sa.Integer(), nullable=False),
    sa.Column('request_id', sa.Integer(), nullable=True),
    sa.Column('proposal_id', sa.Integer(), nullable=True),
    sa.Column('offer_id', sa.Integer(), nullable=True),
    sa.Column('exchange_cycle_id', sa.Integer(), nullable=True),
    sa.Column('exchange_offer_id', sa.Integer(), nullable=True),
    sa.Column('start_date', sa.Date(), nullable=False),
    sa.Column('end_date', sa.Date(), nullable=False),
    sa.Column('days_per_week', sa.Integer(), nullable=False),
    sa.Column('work_mode', sa.String(length=10), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('cancel_reason', sa.Text(), nullable=True),
    sa.Column('cancelled_at', sa.DateTime(), nullable=True),
    sa.Column('cancelled_by_id', sa.Integer(), nullable=True),
    sa.Column('started_at', sa.DateTime(), nullable=True),
    sa.Column('completed_at', sa.DateTime(), nullable=True),
    sa.Column('evaluation_requested_at', sa.DateTime(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("status <> 'cancelled' OR cancel_reason IS NOT NULL", name=op.f('ck_dispatches_cancel_has_reason')),
    sa.CheckConstraint("status IN ('scheduled', 'active', 'completed', 'cancelled')", name=op.f('ck_dispatches_status_known')),
    sa.CheckConstraint("work_mode IN ('onsite', 'remote')", name=op.f('ck_dispatches_work_mode_known')),
    sa.CheckConstraint('(offer_id IS NOT NULL AND request_id IS NOT NULL AND exchange_cycle_id IS NULL) OR (offer_id IS NULL AND exchange_cycle_id IS NOT NULL AND exchange_offer_id IS NOT NULL)', name=op.f('ck_dispatches_one_origin')),
    sa.CheckConstraint('days_per_week >= 1 AND days_per_week <= 5', name=op.f('ck_dispatches_days_range')),
    sa.CheckConstraint('start_date <= end_date', name=op.f('ck_dispatches_period_in_order')),
    sa.ForeignKeyConstraint(['cancelled_by_id'], ['users.id'], name=op.f('fk_dispatches_cancelled_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['city_id'], ['cities.id'], name=op.f('fk_dispatches_city_id_cities')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_dispatches_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['exchange_cycle_id'], ['exchange_cycles.id'], name=op.f('fk_dispatches_exchange_cycle_id_exchange_cycles')),
    sa.ForeignKeyConstraint(['exchange_offer_id'], ['exchange_offers.id'], name=op.f('fk_dispatches_exchange_offer_id_exchange_offers')),
    sa.ForeignKeyConstraint(['offer_id'], ['dispatch_offers.id'], name=op.f('fk_dispatches_offer_id_dispatch_offers')),
    sa.ForeignKeyConstraint(['proposal_id'], ['proposals.id'], name=op.f('fk_dispatches_proposal_id_proposals')),
    sa.ForeignKeyConstraint(['request_id'], ['staffing_requests.id'], name=op.f('fk_dispatches_request_id_staffing_requests')),
    sa.ForeignKeyConstraint(['specialist_id'], ['specialists.id'], name=op.f('fk_dispatches_specialist_id_specialists')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_dispatches')),
    sa.UniqueConstraint('exchange_cycle_id', 'exchange_offer_id', name=op.f('uq_dispatches_exchange_cycle_id_exchange_offer_id')),
    sa.UniqueConstraint('offer_id', name=op.f('uq_dispatches_offer_id')),
    sa.UniqueConstraint('proposal_id', name=op.f('uq_dispatches_proposal_id'))
    )
    with op.batch_alter_table('dispatches', schema=None) as batch_op:
        batch_op.create_index('ix_dispatches_city_status', ['city_id', 'status'], unique=False)
        batch_op.create_index(batch_op.f('ix_dispatches_exchange_cycle_id'), ['exchange_cycle_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_dispatches_exchange_offer_id'), ['exchange_offer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_dispatches_request_id'), ['request_id'], unique=False)
        batch_op.create_index('ix_dispatches_specialist_status', ['specialist_id', 'status'], unique=False)
        batch_op.create_index('ix_dispatches_status_end', ['status', 'end_date'], unique=False)
        batch_op.create_index('ix_dispatches_status_start', ['status', 'start_date'], unique=False)

    op.create_table('dispatch_evaluations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('dispatch_id', sa.Integer(), nullable=False),
    sa.Column('party', sa.String(length=10), nullable=False),
    sa.Column('rating', sa.Integer(), nullable=False),
    sa.Column('comment', sa.Text(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("party IN ('city', 'specialist')", name=op.f('ck_dispatch_evaluations_party_known')),
    sa.CheckConstraint('rating >= 1 AND rating <= 5', name=op.f('ck_dispatch_evaluations_rating_range')),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_dispatch_evaluations_author_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['dispatch_id'], ['dispatches.id'], name=op.f('fk_dispatch_evaluations_dispatch_id_dispatches'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_dispatch_evaluations')),
    sa.UniqueConstraint('dispatch_id', 'party', name=op.f('uq_dispatch_evaluations_dispatch_id_party'))
    )
    op.create_table('dispatch_extensions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('dispatch_id', sa.Integer(), nullable=False),
    sa.Column('previous_end_date', sa.Date(), nullable=False),
    sa.Column('new_end_date', sa.Date(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('extended_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint('new_end_date > previous_end_date', name=op.f('ck_dispatch_extensions_extends_forward')),
    sa.ForeignKeyConstraint(['dispatch_id'], ['dispatches.id'], name=op.f('fk_dispatch_extensions_dispatch_id_dispatches'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['extended_by_id'], ['users.id'], name=op.f('fk_dispatch_extensions_extended_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_dispatch_extensions'))
    )
    with op.batch_alter_table('dispatch_extensions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_dispatch_extensions_dispatch_id'), ['dispatch_id'], unique=False)

    create_days_per_week_triggers(op.get_bind())


def downgrade():
    drop_days_per_week_triggers(op.get_bind())
    with op.batch_alter_table('dispatch_extensions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_dispatch_extensions_dispatch_id'))

    op.drop_table('dispatch_extensions')
    op.drop_table('dispatch_evaluations')
    with op.batch_alter_table('dispatches', schema=None) as batch_op:
        batch_op.drop_index('ix_dispatches_status_start')
        batch_op.drop_index('ix_dispatches_status_end')
        batch_op.drop_index('ix_dispatches_specialist_status')
        batch_op.drop_index(batch_op.f('ix_dispatches_request_id'))
        batch_op.drop_index(batch_op.f('ix_dispatches_exchange_offer_id'))
        batch_op.drop_index(batch_op.f('ix_dispatches_exchange_cycle_id'))
        batch_op.drop_index('ix_dispatches_city_status')

    op.drop_table('dispatches')
    with op.batch_alter_table('dispatch_offers', schema=None) as batch_op:
        batch_op.drop_index('ix_dispatch_offers_status_deadline')
        batch_op.drop_index('ix_dispatch_offers_specialist_status')
        batch_op.drop_index('ix_dispatch_offers_request_status')
        batch_op.drop_index(batch_op.f('ix_dispatch_offers_city_id'))

    op.drop_table('dispatch_offers')
