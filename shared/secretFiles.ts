/**
 * Secret files (password_file, key_file, clients_file, token and SSH key files) that group
 * or others can read. Configuration is read before there is a logger, so each secret file
 * read is noted here, and the command warns once at start for the loose ones: naming the
 * file, the setting and the fix, never the content. Node's own modules only (the sensor
 * uses it).
 */
import { statSync } from 'node:fs';

/** Secret files read by this process, by path: the setting that named each. */
const read = new Map<string, string>();

export function noteSecretFile(path: string, key: string): void {
  if (!read.has(path)) read.set(path, key);
}

/** One warning per noted file that group or others may read; each file is reported once. */
export function looseSecretFiles(): string[] {
  const warnings: string[] = [];
  for (const [path, key] of read) {
    read.delete(path);
    let mode: number;
    try {
      mode = statSync(path).mode;
    } catch {
      continue;
    }
    if ((mode & 0o077) === 0) continue;
    const octal = (mode & 0o777).toString(8).padStart(3, '0');
    warnings.push(`the secret file ${path} (${key}) can be read by group or others (mode ${octal}); run chmod 600 ${path}`);
  }
  return warnings;
}
