/** Reads one `<client>.nmlog` into a ClientHistory, streaming, damaged lines counted, its hash chain verified. */
import { readRecords, type ReadCounts } from './reader.js';
import { ChainCheck } from './chain.js';
import type { ActionScope } from './actions.js';
import { addRecord, finishHistory, newBuilder, type ClientHistory } from './history.js';

export async function readNmlog(client: string, path: string, actionScope?: ActionScope): Promise<ClientHistory> {
  const builder = newBuilder(client, actionScope);
  const counts: ReadCounts = { records: 0, corrupt: 0 };
  const chain = new ChainCheck(client);
  for await (const record of readRecords(path, counts, chain)) addRecord(builder, record);
  const history = finishHistory(builder);
  history.corrupt += counts.corrupt;
  history.integrity = chain.result();
  return history;
}
