/**
 * The `herald_apps` table: one row per app, the columns below and everything else of an app in
 * `config`, with a trigger that NOTIFYs every change. Created at start-up when missing.
 */
import type { Pool, PoolClient } from 'pg';
import type { Logger } from '../logging/logger';

export const APPS_TABLE = 'herald_apps';
/** The NOTIFY channel the table's trigger signals. */
export const APPS_CHANNEL = 'herald_apps';

/**
 * The table, and a statement-level trigger that NOTIFYs `herald_apps` after any change.
 * Idempotent; run at start under an advisory lock so processes starting together do not race.
 */
export const APPS_SCHEMA_SQL = `
CREATE TABLE IF NOT EXISTS herald_apps (
  id      text    PRIMARY KEY,
  key     text    NOT NULL UNIQUE,
  secret  text    NOT NULL,
  enabled boolean NOT NULL DEFAULT true,
  config  jsonb   NOT NULL DEFAULT '{}'::jsonb
);
CREATE OR REPLACE FUNCTION herald_apps_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('herald_apps', TG_OP);
  RETURN NULL;
END
$$;
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_trigger WHERE tgname = 'herald_apps_notify' AND tgrelid = 'herald_apps'::regclass) THEN
    CREATE TRIGGER herald_apps_notify AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON herald_apps
      FOR EACH STATEMENT EXECUTE FUNCTION herald_apps_notify();
  END IF;
END
$$;
`;

/**
 * Creates the table and trigger when missing, under an advisory lock so processes starting
 * together do not race. A role that may not create them can still use a table made by
 * someone else (by the README's SQL): then only a warning.
 */
export async function ensureAppsSchema(pool: Pool, logger: Logger): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await client.query("SELECT pg_advisory_xact_lock(hashtext('herald_apps schema'))");
    await client.query(APPS_SCHEMA_SQL);
    await client.query('COMMIT');
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    const exists = await tableExists(client).catch(() => false);
    if (!exists) throw new Error(`cannot create table ${APPS_TABLE} (${(err as Error).message}); create it with the SQL in the README`, { cause: err });
    logger.warn(
      { err: (err as Error).message },
      `cannot create or update the ${APPS_TABLE} table or its trigger; using the table as it is (without the trigger, changes apply at the periodic reload)`,
    );
  } finally {
    client.release();
  }
}

async function tableExists(client: PoolClient): Promise<boolean> {
  const result = await client.query<{ found: boolean }>(`SELECT to_regclass('${APPS_TABLE}') IS NOT NULL AS found`);
  return result.rows[0]?.found === true;
}
