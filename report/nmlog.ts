/** Reads one `<client>.nmlog` into a ClientHistory, streaming, damaged lines counted. */
import { readRecords, type ReadCounts } from '../shared/logReader.js';
import { addRecord, finishHistory, newBuilder, type ClientHistory } from './history.js';

export async function readNmlog(client: string, path: string): Promise<ClientHistory> {
  const builder = newBuilder(client);
  const counts: ReadCounts = { records: 0, corrupt: 0 };
  for await (const record of readRecords(path, counts)) addRecord(builder, record);
  const history = finishHistory(builder);
  history.corrupt += counts.corrupt;
  return history;
}
