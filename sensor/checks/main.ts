/**
 * `netmonitor check --config FILE [--dry-run]`: one pass over the sensor's checks, for cron
 * or a systemd timer; and `scheduleChecks`, each check on its own `every` inside
 * `netmonitor sensor`. Exit status of a pass: 0 all ok, 1 a check failed, 3 an action
 * failed (2 stays bad configuration).
 */
import { ConfigError } from '../../shared/errors.js';
import { loadSensorConfig, type SensorConfig } from '../config.js';
import { dhcpPermissionNote } from './dhcp.js';
import { checksStateFile, CheckRunner, describe, exitStatus, readMemory, type CheckOutcome } from './runner.js';

export async function checkRunnerFor(config: SensorConfig, dryRun: boolean, warn: (line: string) => void): Promise<CheckRunner> {
  const stateFile = checksStateFile(config.stateFile);
  return new CheckRunner({ sensor: config.id, dryRun, warn }, await readMemory(stateFile), dryRun ? null : stateFile);
}

export async function runChecksOnce(configPath: string, dryRun: boolean, print: (line: string) => void = console.log): Promise<0 | 1 | 3> {
  const config = loadSensorConfig(configPath);
  if (config.checks.length === 0) throw new ConfigError('checks', 'has no checks: nothing to run (docs/checks.md)');
  const note = await dhcpPermissionNote(config.checks);
  if (note !== null) print(note);
  const runner = await checkRunnerFor(config, dryRun, (line) => console.warn(line));
  const outcomes: CheckOutcome[] = [];
  for (const check of config.checks) {
    const outcome = await runner.run(check);
    outcomes.push(outcome);
    for (const line of describe(outcome)) print(line);
  }
  return exitStatus(outcomes);
}

/** Where each run's outcome goes besides the log: the sensor, which tells the server (sensor/sensor.ts reportCheck). */
export type OutcomeSink = (outcome: CheckOutcome) => void;

/** Runs every check now and then every `every` seconds; returns the function that stops them. */
export function scheduleChecks(runner: CheckRunner, config: SensorConfig, log: (line: string) => void, sink: OutcomeSink = () => undefined): () => void {
  void dhcpPermissionNote(config.checks).then((note) => note !== null && log(note));
  const timers = new Set<NodeJS.Timeout>();
  let stopped = false;
  // The sensor logs a check's result when it changes, not on every run.
  const last = new Map<string, string>();
  for (const check of config.checks) {
    const step = async (): Promise<void> => {
      const outcome = await runner.run(check);
      sink(outcome);
      const key = `${outcome.result.status} ${outcome.result.detail}`;
      if (last.get(check.name) !== key || outcome.actions.length > 0) for (const line of describe(outcome)) log(line);
      last.set(check.name, key);
      if (stopped) return;
      const timer = setTimeout(() => {
        timers.delete(timer);
        void step();
      }, check.everyS * 1000);
      timers.add(timer);
    };
    void step();
  }
  return () => {
    stopped = true;
    for (const timer of timers) clearTimeout(timer);
  };
}
