/**
 * The shipped Prometheus rules (deploy/prometheus/herald-alerts.yaml) as Prometheus's own tool
 * sees them: `promtool check rules` accepts them, `promtool test rules` passes their unit tests,
 * every alert has a unit test that fires it and one where it stays quiet, and every alert
 * points at a README section that exists. A broken copy must fail, so the checks can fail.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { after, describe, it } from 'node:test';
import { parse } from 'yaml';
import { prometheusBinary } from '../helpers/prometheus';
import { REPO_ROOT, RULES_FILE, RULES_TEST_FILE, rules } from './deploy-files';

function promtool(args: string[], cwd: string): { status: number | null; output: string } {
  const run = spawnSync(prometheusBinary('promtool'), args, { cwd, encoding: 'utf8', timeout: 60_000 });
  return { status: run.status, output: `${run.stdout}${run.stderr}` };
}

interface AlertRuleTest {
  alertname: string;
  exp_alerts?: unknown[];
}

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens. */
function anchorOf(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N} _-]/gu, '')
    .replace(/ /g, '-');
}

describe('deploy/prometheus rules', () => {
  const scratch = mkdtempSync(join(tmpdir(), 'herald-rules-'));
  after(() => rmSync(scratch, { recursive: true, force: true }));

  it('promtool check rules accepts every rule of the shipped file', () => {
    const { status, output } = promtool(['check', 'rules', RULES_FILE], dirname(RULES_FILE));
    assert.equal(status, 0, output);
    assert.match(output, new RegExp(`SUCCESS: ${rules().length} rules found`), output);
  });

  it('promtool test rules passes the unit tests', () => {
    const { status, output } = promtool(['test', 'rules', basename(RULES_TEST_FILE)], dirname(RULES_TEST_FILE));
    assert.equal(status, 0, output);
    assert.match(output, /SUCCESS/);
  });

  it('every alert has a unit test where it fires and one where it does not', () => {
    const tests = (parse(readFileSync(RULES_TEST_FILE, 'utf8')) as { tests: Array<{ alert_rule_test?: AlertRuleTest[] }> }).tests;
    const cases = tests.flatMap((t) => t.alert_rule_test ?? []);
    const alerts = rules().flatMap((r) => (r.alert ? [r.alert] : []));
    assert.ok(alerts.length >= 7, `the rules define the issue's alerts (found ${alerts.join(', ')})`);
    for (const alert of alerts) {
      const mine = cases.filter((c) => c.alertname === alert);
      assert.ok(
        mine.some((c) => (c.exp_alerts ?? []).length > 0),
        `${alert}: a case that fires`,
      );
      assert.ok(
        mine.some((c) => (c.exp_alerts ?? []).length === 0),
        `${alert}: a case that does not fire`,
      );
    }
  });

  it('every alert has a severity, a summary, a description and a runbook_url to a README section', () => {
    const readme = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');
    const anchors = new Set([...readme.matchAll(/^#{1,6} (.+)$/gm)].map((m) => anchorOf(m[1])));
    for (const rule of rules().filter((r) => r.alert)) {
      assert.match(rule.labels?.severity ?? '', /^(critical|warning)$/, `${rule.alert}: severity`);
      assert.ok(rule.annotations?.summary, `${rule.alert}: summary`);
      assert.ok(rule.annotations?.description, `${rule.alert}: description`);
      const anchor = /^README\.md#(.+)$/.exec(rule.annotations?.runbook_url ?? '')?.[1];
      assert.ok(anchor && anchors.has(anchor), `${rule.alert}: runbook_url ${rule.annotations?.runbook_url} names a README heading`);
    }
  });

  it('a broken copy of the rules fails promtool check rules', () => {
    const broken = join(scratch, 'broken.yaml');
    const text = readFileSync(RULES_FILE, 'utf8');
    const mangled = text.replace('herald_bus_connected == 0', 'herald_bus_connected == ');
    assert.notEqual(mangled, text, 'the expression to break is in the rules');
    writeFileSync(broken, mangled);
    const { status, output } = promtool(['check', 'rules', broken], scratch);
    assert.notEqual(status, 0, output);
    assert.match(output, /FAILED|parse error/i);
  });

  it('the unit tests catch a changed threshold', () => {
    const text = readFileSync(RULES_FILE, 'utf8');
    const loosened = text.replace('increase(herald_gateway_slow_consumers_total[5m])) > 50', 'increase(herald_gateway_slow_consumers_total[5m])) > 500');
    assert.notEqual(loosened, text, 'the threshold to change is in the rules');
    writeFileSync(join(scratch, basename(RULES_FILE)), loosened);
    copyFileSync(RULES_TEST_FILE, join(scratch, basename(RULES_TEST_FILE)));
    const { status, output } = promtool(['test', 'rules', basename(RULES_TEST_FILE)], scratch);
    assert.notEqual(status, 0, output);
    assert.match(output, /HeraldSlowConsumersSpiking/);
  });
});
