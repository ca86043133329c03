/** `netmonitor server --config FILE`: runs until SIGTERM or SIGINT, then stops cleanly. */
import { loadServerConfig } from './config.js';
import { createLogger } from './logger.js';
import { NetmonitorServer } from './server.js';

export async function runServer(configPath: string): Promise<void> {
  const config = loadServerConfig(configPath);
  const logger = createLogger();
  const server = new NetmonitorServer({ config, logger });
  await server.start();
  await new Promise<void>((resolve) => {
    const stop = (signal: string): void => {
      logger.info(`${signal}: stopping`);
      process.off('SIGTERM', stop);
      process.off('SIGINT', stop);
      resolve();
    };
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
  });
  await server.stop();
  // Let winston flush before exiting.
  await new Promise<void>((resolve) => {
    logger.on('finish', () => resolve());
    logger.end();
  });
}
