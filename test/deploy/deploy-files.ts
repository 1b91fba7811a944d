/** The files Herald ships in deploy/, read as the tests need them. */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse } from 'yaml';

/** The repository (tests run compiled, from dist/test/deploy). */
export const REPO_ROOT = resolve(__dirname, '..', '..', '..');
export const RULES_FILE = join(REPO_ROOT, 'deploy', 'prometheus', 'herald-alerts.yaml');
export const RULES_TEST_FILE = join(REPO_ROOT, 'deploy', 'prometheus', 'herald-alerts.test.yaml');
const DASHBOARD_FILE = join(REPO_ROOT, 'deploy', 'grafana', 'herald-dashboard.json');

export interface Rule {
  readonly alert?: string;
  readonly record?: string;
  readonly expr: string;
  readonly for?: string;
  readonly labels?: Record<string, string>;
  readonly annotations?: Record<string, string>;
}

export function rules(): Rule[] {
  const file = parse(readFileSync(RULES_FILE, 'utf8')) as { groups: Array<{ name: string; rules: Rule[] }> };
  return file.groups.flatMap((group) => group.rules);
}

export interface DashboardTarget {
  readonly expr: string;
  readonly refId: string;
  readonly datasource?: { type?: string; uid?: string };
  readonly format?: string;
}

export interface DashboardPanel {
  readonly id: number;
  readonly type: string;
  readonly title: string;
  readonly datasource?: { type?: string; uid?: string };
  readonly targets?: DashboardTarget[];
  readonly gridPos: { h: number; w: number; x: number; y: number };
  readonly repeat?: string;
  /** A collapsed row keeps its panels here. */
  readonly panels?: DashboardPanel[];
}

export interface TemplateVariable {
  readonly name: string;
  readonly type: string;
  readonly query?: string | { query: string };
  readonly definition?: string;
  readonly datasource?: { type?: string; uid?: string };
  readonly multi?: boolean;
  readonly includeAll?: boolean;
}

export interface Dashboard {
  readonly schemaVersion: number;
  readonly uid: string;
  readonly title: string;
  readonly panels: DashboardPanel[];
  readonly templating: { list: TemplateVariable[] };
}

export function dashboard(): Dashboard {
  return JSON.parse(readFileSync(DASHBOARD_FILE, 'utf8')) as Dashboard;
}

/** Every panel, rows' nested ones included. */
export function allPanels(d: Dashboard): DashboardPanel[] {
  return d.panels.flatMap((p) => [p, ...(p.panels ?? [])]);
}

/** A query variable's `label_values(selector, label)`. */
export function labelValuesQuery(variable: TemplateVariable): { selector: string; label: string } {
  const text = typeof variable.query === 'string' ? variable.query : (variable.query?.query ?? variable.definition ?? '');
  const match = /^label_values\((.+),\s*(\w+)\)$/.exec(text.trim());
  if (!match) throw new Error(`variable ${variable.name}: not a label_values(selector, label) query: ${text}`);
  return { selector: match[1].trim(), label: match[2] };
}
