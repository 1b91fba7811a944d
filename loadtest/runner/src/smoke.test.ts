/**
 * CI smoke of the load runner: a few hundred connections for a few seconds against an
 * embedded Herald and against the baseline, asserting that every message arrives and that the
 * result has the fields `make bench` reads. Never a speed threshold: speed is `make bench`'s.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { DEFAULT_TEST_APP, startTestHerald, type TestHerald } from '../../../test/helpers/test-herald';
import { type RunningBaseline, startBaseline } from '../../baseline/src/server';
import { defaultOptions, type RunOptions } from './run-options';
import type { RunResult } from './run-result';
import { runScenario } from './run-scenario';

const app = { appId: DEFAULT_TEST_APP.id, key: DEFAULT_TEST_APP.key, secret: DEFAULT_TEST_APP.secret };

function smokeOptions(port: number, overrides: Partial<RunOptions> = {}): RunOptions {
  return {
    ...defaultOptions('fanout', `127.0.0.1:${port}`),
    ...app,
    connections: 300,
    rate: 5,
    durationSeconds: 2,
    workers: 2,
    // The server runs in this process: its RSS is ours, which is enough to prove the field is filled.
    serverPids: [process.pid],
    drainIdleMs: 5000,
    ...overrides,
  };
}

function assertCompleteFanout(result: RunResult, connections: number): void {
  assert.equal(result.tool, 'herald-loadtest');
  assert.equal(result.scenario, 'fanout');
  assert.equal(result.connections.requested, connections);
  assert.equal(result.connections.subscribed, connections, `failures: ${JSON.stringify(result.connections.failures)}`);
  assert.ok(result.publish, 'publish section');
  assert.ok(result.publish.accepted > 0);
  assert.equal(result.publish.accepted, result.publish.attempted, `statuses: ${JSON.stringify(result.publish.statuses)}`);
  assert.equal(result.delivery.expected, result.publish.accepted * connections);
  assert.equal(result.delivery.delivered, result.delivery.expected);
  assert.equal(result.delivery.percent, 100);
  assert.equal(result.complete, true);
  assert.equal(result.latencyMs.count, result.delivery.delivered);
  for (const field of ['p50', 'p90', 'p99', 'p999', 'max'] as const) assert.equal(typeof result.latencyMs[field], 'number', field);
  assert.ok(result.latencyMs.p50 <= result.latencyMs.p99 && result.latencyMs.p99 <= result.latencyMs.max);
  assert.ok(result.connections.setupRate > 0);
  assert.equal(typeof result.server.rssAfterBytes, 'number');
  assert.equal(typeof result.server.rssPerConnectionBytes, 'number');
  assert.equal(result.stability.openAtEnd, connections);
  const json = JSON.stringify(result);
  assert.equal(JSON.stringify(JSON.parse(json)), json, 'the result is plain JSON');
}

describe('load runner smoke', () => {
  let herald: TestHerald;
  let baseline: RunningBaseline;

  before(async () => {
    herald = await startTestHerald();
    baseline = await startBaseline({ port: 0, ...app });
  });

  after(async () => {
    await herald?.stop();
    await baseline?.close();
  });

  test('fanout against embedded Herald delivers every published event to every subscriber', async () => {
    assertCompleteFanout(await runScenario(smokeOptions(herald.port)), 300);
  });

  test('fanout against the baseline delivers every published event to every subscriber', async () => {
    assertCompleteFanout(await runScenario(smokeOptions(baseline.port)), 300);
  });

  test('find-max steps the publish rate and reports every step', async () => {
    const result = await runScenario(
      smokeOptions(baseline.port, {
        connections: 100,
        findMax: { startRate: 5, stepFactor: 2, maxRate: 10, stepSeconds: 1, minDeliveryPercent: 99.9, maxP99Ms: 100_000, refineSteps: 0, retries: 0 },
      }),
    );
    assert.equal(result.mode, 'find-max');
    assert.ok(result.findMax);
    assert.ok(result.findMax.steps.length >= 1);
    for (const step of result.findMax.steps) {
      assert.equal(typeof step.rate, 'number');
      assert.equal(typeof step.passed, 'boolean');
      assert.equal(typeof step.delivery.percent, 'number');
    }
    assert.equal(typeof result.findMax.maxPassingRate, 'number');
  });
});
