/**
 * One error class for the whole project. Callers and tests branch on `code`, never on the
 * wording, so messages can be improved without breaking anything.
 */
export type ErrorCode =
  | 'ECONFIG' // invalid configuration: the CLI exits with status 2
  | 'ELOG' // a client log could not be written (disk full, read-only); kept in memory, retried
  | 'EFSYNC' // the disk failed to make a write durable: fatal, the process exits (docs/reliability.md)
  | 'ESMTP' // an alert could not be handed to the SMTP server
  | 'ECHANNEL' // an alert could not be handed to a push channel's provider
  | 'EAUTH' // the SMTP server refused our credentials
  | 'ETLS' // the SMTP server offered no usable TLS, so credentials were not sent
  | 'EHOOK' // an exec hook failed or timed out
  | 'ELOCKED' // another server holds the log folder: the CLI exits with status 2
  | 'EENV' // the machine refuses what the configuration asks (a port in use, a folder it may not write): status 3
  | 'EUSAGE'; // a command-line argument is wrong

export class NetmonitorError extends Error {
  readonly code: ErrorCode;
  /** For delivery errors: true when retrying cannot help (5xx, bad credentials). */
  readonly permanent: boolean;

  constructor(code: ErrorCode, message: string, options: { permanent?: boolean; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'NetmonitorError';
    this.code = code;
    this.permanent = options.permanent ?? false;
  }
}

/** Invalid configuration; `key` is the dotted path of the offending setting. */
export class ConfigError extends NetmonitorError {
  readonly key: string;
  constructor(key: string, problem: string) {
    super('ECONFIG', `invalid configuration: ${key}: ${problem}`);
    this.name = 'ConfigError';
    this.key = key;
  }
}
