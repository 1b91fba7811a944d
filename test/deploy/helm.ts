/** Runs the helm binary that scripts/ensure-deps.sh builds (.tools/bin/helm) on the chart. */
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { parseAllDocuments } from 'yaml';

// Compiled to dist/test/deploy/.
export const REPO = resolve(__dirname, '../../..');
export const CHART = resolve(REPO, 'helm/herald');
const HELM = resolve(REPO, '.tools/bin/helm');

export interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  // biome-ignore lint/suspicious/noExplicitAny: rendered Kubernetes objects, read by path in the tests
  spec?: any;
  data?: Record<string, string>;
  stringData?: Record<string, string>;
}

export function helm(args: readonly string[]): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(HELM, args, { cwd: REPO, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (result.error) throw new Error(`${HELM}: ${result.error.message} (scripts/ensure-deps.sh helm builds it)`);
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** `helm template` with values files (relative to the chart) and --set pairs; throws with helm's message on failure. */
export function renderChart(options: { valuesFiles?: readonly string[]; set?: readonly string[] } = {}): Manifest[] {
  const args = ['template', 'herald', CHART, '--namespace', 'realtime'];
  for (const file of options.valuesFiles ?? []) args.push('-f', resolve(CHART, file));
  for (const pair of options.set ?? []) args.push('--set', pair);
  const result = helm(args);
  if (result.status !== 0) throw new Error(`helm ${args.join(' ')} failed:\n${result.stderr}`);
  return parseAllDocuments(result.stdout)
    .map((doc) => doc.toJS() as Manifest | null)
    .filter((m): m is Manifest => m !== null);
}

/** `helm template` that must fail: helm's error output. */
export function renderFailure(set: readonly string[]): string {
  const result = helm(['template', 'herald', CHART, ...set.flatMap((pair) => ['--set', pair])]);
  if (result.status === 0) throw new Error(`helm template with ${set.join(' ')} succeeded; expected it to fail`);
  return result.stderr;
}

export function find(manifests: readonly Manifest[], kind: string, name: string): Manifest {
  const found = manifests.find((m) => m.kind === kind && m.metadata.name === name);
  if (!found) throw new Error(`no ${kind} ${name} among ${manifests.map((m) => `${m.kind}/${m.metadata.name}`).join(', ')}`);
  return found;
}
