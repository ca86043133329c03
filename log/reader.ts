/**
 * Reads a netmonitor log file record by record, streaming, so a year of logs never has to
 * fit in memory. Torn or damaged lines are skipped and counted, never fatal.
 */
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { decodeLine, type ReadRecord } from './records.js';

export interface ReadCounts {
  records: number;
  corrupt: number;
}

export async function* readRecords(path: string, counts: ReadCounts = { records: 0, corrupt: 0 }): AsyncGenerator<ReadRecord> {
  const lines = createInterface({ input: createReadStream(path, { encoding: 'utf8' }), crlfDelay: Infinity });
  for await (const line of lines) {
    if (line === '') continue;
    const record = decodeLine(line);
    if (record === null) {
      counts.corrupt++;
      continue;
    }
    counts.records++;
    yield record;
  }
}
