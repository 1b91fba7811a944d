/**
 * Loads the apps: from a YAML/JSON file when HERALD_APPS_FILE (or --apps) names one, else
 * the single default app from HERALD_APP_ID / HERALD_APP_KEY / HERALD_APP_SECRET.
 * Problems name the file, the line and the field.
 */
import { readFileSync } from 'node:fs';
import { LineCounter, parseDocument } from 'yaml';
import type { z } from 'zod';
import { type AppConfig, appSchema, appsFileSchema } from './app-schema';

const DEFAULT_APP = { id: '1', key: 'app-key', secret: 'app-secret' } as const;

export interface LoadedApps {
  readonly apps: AppConfig[];
  /** Where the apps came from, for the start-up log. */
  readonly source: string;
  /**
   * Where the apps' secrets are kept, for messages that must not print them. Absent only for
   * the built-in development app, whose secret (`app-secret`) is public in the README.
   */
  readonly secretsIn?: string;
}

function formatPath(path: ReadonlyArray<PropertyKey>): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? String(p) : `.${String(p)}`)).join('') || '(root)';
}

export function loadAppsFile(path: string, readFile: (path: string) => string = (p) => readFileSync(p, 'utf8')): LoadedApps {
  let text: string;
  try {
    text = readFile(path);
  } catch (err) {
    return fail([`apps file ${path}: cannot be read (${(err as Error).message})`]);
  }
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: true });
  if (doc.errors.length > 0) {
    return fail(doc.errors.map((e) => `apps file ${path}: ${e.message.split('\n')[0]}`));
  }
  const result = appsFileSchema.safeParse(doc.toJS());
  if (!result.success) {
    return fail(
      result.error.issues.map((issue: z.core.$ZodIssue) => {
        // A missing field has no node of its own: point at the nearest enclosing one.
        let line = '';
        for (let depth = issue.path.length; depth >= 0 && !line; depth--) {
          const node = doc.getIn(issue.path.slice(0, depth) as Array<string | number>, true) as { range?: [number, number, number] } | undefined;
          if (node?.range) line = `:${lineCounter.linePos(node.range[0]).line}`;
        }
        return `apps file ${path}${line}: ${formatPath(issue.path)}: ${issue.message}`;
      }),
    );
  }
  const apps = result.data.apps;
  const problems: string[] = [];
  for (const field of ['id', 'key'] as const) {
    const seen = new Set<string>();
    for (const app of apps) {
      if (seen.has(app[field])) problems.push(`apps file ${path}: two apps have the ${field} ${JSON.stringify(app[field])}`);
      seen.add(app[field]);
    }
  }
  if (problems.length > 0) return fail(problems);
  return { apps, source: path, secretsIn: `the apps file ${path}` };
}

export function defaultApp(env: Readonly<Record<string, string | undefined>>): LoadedApps {
  const raw = {
    id: env.HERALD_APP_ID ?? DEFAULT_APP.id,
    key: env.HERALD_APP_KEY ?? DEFAULT_APP.key,
    secret: env.HERALD_APP_SECRET ?? DEFAULT_APP.secret,
  };
  const result = appSchema.safeParse(raw);
  if (!result.success) {
    const names: Record<string, string> = { id: 'HERALD_APP_ID', key: 'HERALD_APP_KEY', secret: 'HERALD_APP_SECRET' };
    return fail(result.error.issues.map((i) => `${names[String(i.path[0])] ?? formatPath(i.path)}: ${i.message}`));
  }
  const source = 'default app (HERALD_APP_ID / HERALD_APP_KEY / HERALD_APP_SECRET)';
  // A secret the operator chose is a real one; only the built-in one may be printed.
  return env.HERALD_APP_SECRET === undefined ? { apps: [result.data], source } : { apps: [result.data], source, secretsIn: 'HERALD_APP_SECRET' };
}

class AppsProblem extends Error {
  constructor(readonly problems: string[]) {
    super(problems.join('; '));
  }
}

function fail(problems: string[]): never {
  throw new AppsProblem(problems);
}

export function isAppsProblem(err: unknown): err is AppsProblem {
  return err instanceof AppsProblem;
}
