/**
 * The listener's TLS certificate and key, from two PEM files. They are read at start and
 * read again whenever either file changes (checked once a minute), so a renewed certificate
 * (certbot, acme.sh) is served without a restart. A pair that cannot be used (a half-written
 * renewal, a key that does not match) is reported and the previous pair kept. The key's
 * content never appears in a message.
 */
import { readFileSync, statSync, type Stats } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import type { Server } from 'node:https';
import { createSecureContext } from 'node:tls';
import type { Logger } from 'winston';
import { ConfigError } from '../../shared/errors.js';

export interface TlsFilesConfig {
  certFile: string;
  keyFile: string;
}

export interface TlsPair {
  cert: Buffer;
  key: Buffer;
}

/** Why `pair` cannot be served, or null when it can. */
function unusable(pair: TlsPair): string | null {
  try {
    createSecureContext(pair);
    return null;
  } catch (error) {
    // OpenSSL's reason (such as "key values mismatch"); it quotes nothing from the files.
    return (error as Error).message;
  }
}

/** Reads and checks the pair once, for the configuration check: errors name the key, exit code 2. */
export function readTlsPairForConfig(files: TlsFilesConfig): TlsPair {
  const read = (path: string, key: string): Buffer => {
    try {
      return readFileSync(path);
    } catch (error) {
      throw new ConfigError(key, `cannot read the file ${path} (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
    }
  };
  const pair = { cert: read(files.certFile, 'http.tls_cert_file'), key: read(files.keyFile, 'http.tls_key_file') };
  const problem = unusable(pair);
  if (problem !== null) throw new ConfigError('http.tls_cert_file', `the certificate and http.tls_key_file cannot be used together (${problem})`);
  return pair;
}

/** How often the files are looked at for a renewal. */
const CHECK_MS = 60_000;

export class TlsFiles {
  private stamp = '';
  /** The files' stamp when they last held an unusable pair, and the last read error: each reported once, not every minute. */
  private refused = '';
  private readError = '';
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly files: TlsFilesConfig, private readonly logger: Logger) {}

  /** Reads the pair now, at start (the configuration check has found it usable). */
  read(): TlsPair {
    this.stamp = stampOf(statSync(this.files.certFile), statSync(this.files.keyFile));
    return { cert: readFileSync(this.files.certFile), key: readFileSync(this.files.keyFile) };
  }

  /** Starts checking the files for changes and gives `server` each new usable pair. */
  watch(server: Server): void {
    this.timer = setInterval(() => void this.reload(server), CHECK_MS);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
  }

  /** Serves the files' pair if either changed since it was last read; true when it did. */
  async reload(server: Server): Promise<boolean> {
    let stamp: string;
    let pair: TlsPair;
    try {
      stamp = stampOf(await stat(this.files.certFile), await stat(this.files.keyFile));
      if (stamp === this.stamp || stamp === this.refused) return false;
      pair = { cert: await readFile(this.files.certFile), key: await readFile(this.files.keyFile) };
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? 'error';
      if (code !== this.readError) this.logger.error(`http: cannot read the TLS files (${code}); still serving the previous certificate`);
      this.readError = code;
      return false;
    }
    this.readError = '';
    const problem = unusable(pair);
    if (problem !== null) {
      // Not taken as read: a renewal written in two steps is picked up once it is complete.
      this.refused = stamp;
      this.logger.error(`http: the changed TLS certificate and key cannot be used together (${problem}); still serving the previous certificate`);
      return false;
    }
    server.setSecureContext(pair);
    this.stamp = stamp;
    this.logger.info('http: serving the renewed TLS certificate');
    return true;
  }
}

/** What changes when a file is rewritten or replaced by a rename. */
const stampOf = (cert: Stats, key: Stats): string => `${cert.mtimeMs}:${cert.size}:${cert.ino}/${key.mtimeMs}:${key.size}:${key.ino}`;
