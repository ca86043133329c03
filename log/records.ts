/**
 * The line format of every netmonitor log (docs/log-format.md):
 *
 *     <crc32 of the JSON, 8 lowercase hex digits> <one JSON object>\n
 *
 * The checksum makes each line self-checking: a line torn by a crash mid-write, or damaged
 * later, fails it and is skipped (and counted) on read instead of being misread.
 */
import { crc32 } from 'node:zlib';

export type LogRecord = { type: string; at: string } & Record<string, unknown>;

export function encodeLine(record: LogRecord): string {
  const json = JSON.stringify(record);
  return `${crc32(json).toString(16).padStart(8, '0')} ${json}\n`;
}

/** The record a line holds, or null when the line is torn, damaged or not a record. */
export function decodeLine(line: string): LogRecord | null {
  if (line.length < 11 || line[8] !== ' ') return null;
  const json = line.endsWith('\r') ? line.slice(9, -1) : line.slice(9);
  const checksum = Number.parseInt(line.slice(0, 8), 16);
  if (!/^[0-9a-f]{8}$/.test(line.slice(0, 8)) || crc32(json) !== checksum) return null;
  try {
    const record: unknown = JSON.parse(json);
    if (typeof record !== 'object' || record === null || Array.isArray(record)) return null;
    const { type, at } = record as Record<string, unknown>;
    if (typeof type !== 'string' || typeof at !== 'string') return null;
    return record as LogRecord;
  } catch {
    return null;
  }
}
