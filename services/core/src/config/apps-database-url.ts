/**
 * `--apps postgres://user:pass@host:port/db` (or the same in HERALD_APPS_FILE): apps come from
 * the `herald_apps` table instead of a file. These helpers tell the two apart and keep the
 * password out of logs and messages.
 */

export function isAppsDatabaseUrl(value: string): boolean {
  return /^postgres(ql)?:\/\//i.test(value.trim());
}

/** The problem with a postgres URL, or undefined when it can be used. */
export function appsDatabaseUrlProblem(value: string): string | undefined {
  let url: URL;
  try {
    url = new URL(value.trim());
  } catch {
    return 'not a valid postgres:// URL (expected postgres://user:password@host:port/database)';
  }
  if (!url.hostname && !url.searchParams.get('host')) return 'the postgres:// URL names no host (expected postgres://user:password@host:port/database)';
  if (url.pathname.length <= 1) return 'the postgres:// URL names no database (expected postgres://user:password@host:port/database)';
  return undefined;
}

/** The URL with its password replaced by `***`, for logs, banners and error messages. */
export function redactDatabaseUrl(value: string): string {
  try {
    const url = new URL(value.trim());
    if (url.password) url.password = '***';
    for (const key of [...url.searchParams.keys()]) if (/pass/i.test(key)) url.searchParams.set(key, '***');
    return url.toString();
  } catch {
    return 'postgres://(unparsable URL)';
  }
}
