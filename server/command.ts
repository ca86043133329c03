/** `netmonitor server --config FILE`: runs until SIGTERM or SIGINT, then stops cleanly. */
import { loadServerConfig } from './config/server.js';
import { createLogger } from './logger.js';
import { looseSecretFiles } from '../shared/secretFiles.js';
import { createServer } from './main.js';

export async function runServer(configPath: string): Promise<void> {
  const config = loadServerConfig(configPath);
  const logger = createLogger();
  for (const warning of looseSecretFiles()) logger.warn(warning);
  const server = createServer({
    config,
    logger,
    onFatal: () => {
      logger.on('finish', () => process.exit(1));
      logger.end();
    },
  });
  await server.start();
  // `kill -USR1` prints the running counts, as the final stats line does at stop.
  const printStats = (): void => {
    logger.info(`stats ${JSON.stringify(server.stats())}`);
  };
  process.on('SIGUSR1', printStats);
  await new Promise<void>((resolve) => {
    const stop = (signal: string): void => {
      logger.info(`${signal}: stopping`);
      process.off('SIGTERM', stop);
      process.off('SIGINT', stop);
      process.off('SIGUSR1', printStats);
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
