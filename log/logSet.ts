/**
 * The clients a log folder holds: `<client>.nmlog` (netmonitor) and `<address>.json` (the
 * original netmonitor, named by the client's IP address). A client with both is one client.
 */
import { readdir } from 'node:fs/promises';
import { isIP } from 'node:net';
import { join } from 'node:path';
import { NetmonitorError } from '../shared/errors.js';
import type { ActionScope } from './actions.js';
import { mergeHistories, type ClientHistory } from './history.js';
import { clientOfLogBase } from './logName.js';
import { readNmlog } from './nmlog.js';
import { readOriginalLog } from './originalLog.js';

export interface ClientFiles {
  client: string;
  nmlog: string | null;
  original: string | null;
}

/** Pure: which clients the file names describe, sorted by name. */
export function clientsOfNames(dir: string, names: readonly string[]): ClientFiles[] {
  const clients = new Map<string, ClientFiles>();
  const entry = (client: string): ClientFiles => {
    let files = clients.get(client);
    if (files === undefined) clients.set(client, (files = { client, nmlog: null, original: null }));
    return files;
  };
  for (const name of names) {
    // `@` starts the server's own files (its log, state, outbox), never a client.
    if (name.startsWith('@')) continue;
    if (name.endsWith('.nmlog') && name.length > '.nmlog'.length) entry(clientOfLogBase(name.slice(0, -'.nmlog'.length))).nmlog = join(dir, name);
    else if (name.endsWith('.json') && isIP(name.slice(0, -'.json'.length)) !== 0) entry(name.slice(0, -'.json'.length)).original = join(dir, name);
  }
  return [...clients.values()].sort((a, b) => (a.client < b.client ? -1 : a.client > b.client ? 1 : 0));
}

/** The clients in `dir`, only `wanted` ones when any are named. Exit status 2 for a bad folder or an unknown client. */
export async function listClients(dir: string, wanted: readonly string[], folderKey: string): Promise<ClientFiles[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'error';
    const why = code === 'ENOENT' ? 'it does not exist' : code === 'ENOTDIR' ? 'it is not a folder' : code === 'EACCES' ? 'permission denied' : code;
    throw new NetmonitorError(folderKey === 'client_log_dir' ? 'ECONFIG' : 'EUSAGE', `cannot read the log folder ${dir} (${folderKey}): ${why}`);
  }
  const all = clientsOfNames(dir, names);
  if (wanted.length === 0) return all;
  const byName = new Map(all.map((files) => [files.client, files]));
  const missing = wanted.filter((client) => !byName.has(client));
  if (missing.length > 0) throw new NetmonitorError('EUSAGE', `no log in ${dir} for client(s): ${missing.join(', ')}`);
  return [...new Set(wanted)].map((client) => byName.get(client)!);
}

/** Runs `read`; a file that is no regular file (ENOTREG) is passed to `skip` and gives null. */
export async function unlessNotAFile<T>(read: () => Promise<T>, skip: (problem: string) => void): Promise<T | null> {
  try {
    return await read();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOTREG') throw error;
    skip(`skipped: ${(error as Error).message}`);
    return null;
  }
}

/**
 * `actionScope`: which supervision actions to keep (the original netmonitor wrote none).
 * A folder, FIFO or symlink in place of a log is passed to `skip` and left out; null when
 * neither of the client's files could be read.
 */
export async function readClientHistory(files: ClientFiles, actionScope?: ActionScope, skip: (problem: string) => void = () => undefined): Promise<ClientHistory | null> {
  const nmlog = files.nmlog === null ? null : await unlessNotAFile(() => readNmlog(files.client, files.nmlog!, actionScope), skip);
  const original = files.original === null ? null : await unlessNotAFile(() => readOriginalLog(files.client, files.original!), skip);
  if (nmlog !== null && original !== null) return mergeHistories(original, nmlog);
  return nmlog ?? original;
}
