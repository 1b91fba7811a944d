/**
 * The lint rule that holds the dependency direction (biome.jsonc): services/core imports no
 * service, a service imports only core, services/herald composes them all. Biome itself runs
 * here, on files laid out as in the repository, with the repository's own configuration.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, describe, it } from 'node:test';

const REPO = join(__dirname, '..', '..', '..');
const BIOME = join(REPO, 'node_modules', '.bin', 'biome');

interface Diagnostic {
  category: string;
  location?: { path?: { file?: string } | string };
  description?: string;
}

/** Lints `files` (path → source) in a scratch tree with the repository's biome.jsonc. */
function lintTree(files: Record<string, string>): Diagnostic[] {
  const root = mkdtempSync(join(tmpdir(), 'herald-lint-'));
  scratch.push(root);
  copyFileSync(join(REPO, 'biome.jsonc'), join(root, 'biome.jsonc'));
  for (const [path, source] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), source);
  }
  const run = spawnSync(BIOME, ['lint', '--vcs-enabled=false', '--reporter=json', '.'], { cwd: root, encoding: 'utf8' });
  assert.ok(run.stdout, `biome printed a report (stderr: ${run.stderr})`);
  return (JSON.parse(run.stdout) as { diagnostics: Diagnostic[] }).diagnostics;
}

function restrictedImports(diagnostics: Diagnostic[]): string[] {
  return diagnostics
    .filter((d) => d.category === 'lint/style/noRestrictedImports')
    .map((d) => (typeof d.location?.path === 'string' ? d.location.path : (d.location?.path?.file ?? '?')))
    .sort();
}

const scratch: string[] = [];
after(() => {
  for (const dir of scratch) rmSync(dir, { recursive: true, force: true });
});

describe('lint: the dependency direction', () => {
  it('refuses core importing a service, and a service importing another service', () => {
    const refused = restrictedImports(
      lintTree({
        'services/core/src/bus/x.ts': "import { Gateway } from '../../../gateway/src/gateway';\nexport const g = Gateway;\n",
        'services/gateway/src/y.ts': "import { Api } from '../../api/src/api';\nexport const a = Api;\n",
        'services/api/src/z.ts': "import { Presence } from '../../presence/src/presence';\nexport const p = Presence;\n",
        'services/webhooks/src/w.ts': "import { main } from '../../herald/src/main';\nexport const m = main;\n",
      }),
    );
    assert.deepEqual(refused, ['services/api/src/z.ts', 'services/core/src/bus/x.ts', 'services/gateway/src/y.ts', 'services/webhooks/src/w.ts']);
  });

  it('allows a service importing core, core importing core, and services/herald importing services', () => {
    const refused = restrictedImports(
      lintTree({
        'services/gateway/src/y.ts': "import { systemClock } from '../../core/src/clock';\nexport const c = systemClock;\n",
        'services/core/src/bus/x.ts': "import { systemClock } from '../clock';\nexport const c = systemClock;\n",
        'services/herald/src/node.ts': "import { Gateway } from '../../gateway/src/gateway';\nexport const g = Gateway;\n",
      }),
    );
    assert.deepEqual(refused, []);
  });
});
