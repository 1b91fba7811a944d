/**
 * CPU used during a phase, in cores (1.0 = one core busy the whole time), by the runner (all
 * its threads) and by the server processes. Runner and server share the machine in `make
 * bench`: a runner near its share of the cores means the result measures the runner too.
 */
import { nowMs } from './clock';
import { serverCpuSeconds } from './server-process';

export interface CpuUse {
  readonly runnerCores: number;
  /** null when no --server-pid was given. */
  readonly serverCores: number | null;
}

export class CpuMeter {
  private readonly startedAt = nowMs();
  private readonly runnerStart = process.cpuUsage();
  private readonly serverStart: number | null;

  constructor(private readonly serverPids: readonly number[]) {
    this.serverStart = serverCpuSeconds(serverPids);
  }

  read(): CpuUse {
    const seconds = Math.max(0.001, (nowMs() - this.startedAt) / 1000);
    const runner = process.cpuUsage(this.runnerStart);
    const serverNow = serverCpuSeconds(this.serverPids);
    const round = (n: number) => Math.round(n * 100) / 100;
    return {
      runnerCores: round((runner.user + runner.system) / 1e6 / seconds),
      serverCores: serverNow === null || this.serverStart === null ? null : round((serverNow - this.serverStart) / seconds),
    };
  }
}
