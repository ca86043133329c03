/** `netmonitor sensor --config FILE`: stores the next boot counter, then sends heartbeats (and runs the `checks`) until stopped. */
import { nextBoot } from './bootCounter.js';
import { loadSensorConfig } from './config.js';
import { Sensor } from './sensor.js';
import { looseSecretFiles } from '../shared/secretFiles.js';

export async function runSensor(configPath: string): Promise<void> {
  const config = loadSensorConfig(configPath);
  for (const warning of looseSecretFiles()) console.warn(warning);
  const boot = await nextBoot(config.stateFile);
  const sensor = new Sensor({ config, boot, log: (message) => console.log(message) });
  sensor.start();
  let stopChecks = (): void => {};
  if (config.checks.length > 0) {
    // Loaded only when there are checks, so a plain sensor stays as small as it was.
    const checks = await import('./checks/main.js');
    const runner = await checks.checkRunnerFor(config, false, (message) => console.warn(message));
    // Each check's state goes to the server too (CHECK datagrams, docs/protocol.md).
    const tell: import('./checks/main.js').OutcomeSink = ({ check, result }) => void sensor.reportCheck(check.name, result.status, result.detail, check.alertOn);
    stopChecks = checks.scheduleChecks(runner, config, (message) => console.log(message), tell);
  }
  await new Promise<void>((resolve) => {
    const stop = (): void => {
      sensor.stop();
      stopChecks();
      resolve();
    };
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
  });
}
