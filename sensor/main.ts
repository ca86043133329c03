/** `netmonitor sensor --config FILE`: stores the next boot counter, then sends heartbeats until stopped. */
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
  await new Promise<void>((resolve) => {
    const stop = (): void => {
      sensor.stop();
      resolve();
    };
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
  });
}
