#!/usr/bin/env node
/** The load runner's command line: run a scenario, print the table, write the JSON. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { parseCli, USAGE } from './cli-args';
import { reportTable } from './report-table';
import { runScenario } from './run-scenario';

async function main(): Promise<number> {
  let cli: ReturnType<typeof parseCli>;
  try {
    cli = parseCli(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`loadtest: ${(err as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (cli === 'help') {
    process.stdout.write(USAGE);
    return 0;
  }
  const result = await runScenario(cli.options);
  process.stdout.write(`${reportTable(result)}\n`);
  if (cli.jsonPath) {
    mkdirSync(dirname(cli.jsonPath), { recursive: true });
    writeFileSync(cli.jsonPath, `${JSON.stringify(result, null, 2)}\n`);
  }
  if (cli.expectComplete && !result.complete) {
    process.stderr.write('loadtest: incomplete: not every connection subscribed or not every expected message arrived\n');
    return 1;
  }
  return 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`loadtest: ${(err as Error)?.stack ?? String(err)}\n`);
    process.exit(1);
  },
);
