/** Runs one scenario programmatically (the CLI and the smoke test both come through here). */
import type { RunOptions } from './run-options';
import type { RunResult } from './run-result';
import { runClientEvents } from './scenarios/client-events';
import { runConnectionStorm } from './scenarios/connection-storm';
import { runIdle } from './scenarios/idle';
import { runPresenceChurn } from './scenarios/presence-churn';
import { runPublishScenario } from './scenarios/publish-scenarios';

export function runScenario(options: RunOptions): Promise<RunResult> {
  if (options.findMax && options.scenario !== 'fanout' && options.scenario !== 'many-channels') {
    return Promise.reject(new Error(`--find-max works with fanout and many-channels, not ${options.scenario}`));
  }
  switch (options.scenario) {
    case 'fanout':
    case 'many-channels':
      return runPublishScenario(options);
    case 'connection-storm':
      return runConnectionStorm(options);
    case 'idle':
      return runIdle(options);
    case 'client-events':
      return runClientEvents(options);
    case 'presence-churn':
      return runPresenceChurn(options);
  }
}
