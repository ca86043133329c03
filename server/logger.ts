/** The server's log: one line per message on stdout (journald adds its own time stamps). */
import winston from 'winston';

export function createLogger(level = process.env.NETMONITOR_LOG_LEVEL ?? 'info'): winston.Logger {
  return winston.createLogger({
    level,
    format: winston.format.combine(
      winston.format.timestamp(),
      winston.format.printf(({ timestamp, level: lvl, message }) => `${String(timestamp)} ${lvl} ${String(message)}`),
    ),
    transports: [new winston.transports.Console()],
  });
}
