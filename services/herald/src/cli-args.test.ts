import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadConfig } from '../../core/src/config/load-config';
import { parseCli } from './cli-args';

describe('herald command line', () => {
  it('takes --metrics-port and --metrics-host, over their environment variables', () => {
    const args = parseCli(['gateway', '--metrics-port', '9464', '--metrics-host', '10.0.0.8']);
    const config = loadConfig({ env: { HERALD_METRICS_PORT: '9000', HERALD_METRICS_HOST: '127.0.0.1' }, ...args.configInput });
    assert.deepEqual([config.server.metricsPort, config.server.metricsHost], [9464, '10.0.0.8']);
  });

  it('names --metrics-port when its value is not a port', () => {
    assert.throws(() => loadConfig({ env: {}, ...parseCli(['--metrics-port', 'abc']).configInput }), /--metrics-port: /);
  });
});
