/**
 * Rows of `herald_apps` as apps: each row validated with the same `appSchema` as the apps
 * file; a bad row becomes a problem that names the row and the field (a column, or a path
 * inside `config`), so one typo costs one app, not all of them.
 */
import type { Pool } from 'pg';
import { type AppConfig, appSchema } from '../config/app-schema';
import { APPS_TABLE } from './postgres-apps-schema';

/** The columns; everything else of an app lives in `config`. */
const COLUMNS = ['id', 'key', 'secret', 'enabled'] as const;

export interface AppRow {
  readonly id: unknown;
  readonly key: unknown;
  readonly secret: unknown;
  readonly enabled: unknown;
  readonly config: unknown;
}

export interface RowProblem {
  /** The row's id as stored (may itself be what is wrong). */
  readonly id: string;
  /** `herald_apps row "id": field: reason` */
  readonly message: string;
}

function formatPath(path: ReadonlyArray<PropertyKey>): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? String(p) : `.${String(p)}`)).join('');
}

/** Where a schema path lives in the table: a column, or inside `config`. */
function fieldName(path: ReadonlyArray<PropertyKey>): string {
  if (path.length === 0) return 'config';
  if ((COLUMNS as readonly PropertyKey[]).includes(path[0]) && path.length === 1) return String(path[0]);
  return `config.${formatPath(path)}`;
}

/** Validates rows with `appSchema`; bad rows become problems naming the row and the field. */
export function parseAppRows(rows: readonly AppRow[]): { apps: AppConfig[]; problems: RowProblem[] } {
  const apps: AppConfig[] = [];
  const problems: RowProblem[] = [];
  const keys = new Set<string>();
  for (const row of rows) {
    const id = String(row.id);
    const problem = (details: string[]) => problems.push({ id, message: `${APPS_TABLE} row ${JSON.stringify(id)}: ${details.join('; ')}` });
    const config = row.config ?? {};
    if (typeof config !== 'object' || Array.isArray(config)) {
      problem([`config: must be a JSON object, got ${Array.isArray(config) ? 'an array' : typeof config}`]);
      continue;
    }
    const inConfig = COLUMNS.filter((column) => column in config);
    if (inConfig.length > 0) {
      problem(inConfig.map((column) => `config.${column}: set the column ${column}, not a field of config`));
      continue;
    }
    const raw: Record<string, unknown> = { ...(config as Record<string, unknown>), id: row.id, key: row.key, secret: row.secret };
    if (row.enabled !== null && row.enabled !== undefined) raw.enabled = row.enabled;
    const result = appSchema.safeParse(raw);
    if (!result.success) {
      problem(result.error.issues.map((issue) => `${fieldName(issue.path)}: ${issue.message}`));
      continue;
    }
    if (keys.has(result.data.key)) {
      problem([`key: another row has the key ${JSON.stringify(result.data.key)}`]);
      continue;
    }
    keys.add(result.data.key);
    apps.push(result.data);
  }
  return { apps, problems };
}

/** Every row, in id order (the order apps are listed and logged in). */
export async function readAppRows(pool: Pool): Promise<AppRow[]> {
  const result = await pool.query<AppRow>(`SELECT id, key, secret, enabled, config FROM ${APPS_TABLE} ORDER BY id`);
  return result.rows;
}
