/**
 * Writes delivery outcomes (`delivered`, `undeliverable`, `withheld` in maintenance) into the logs of the clients they
 * concern, in the background: the next message does not wait for these fsyncs. A client's
 * appends stay in order (LogDirectory). Shared by the e-mail outbox and the push channels.
 */
import type { Logger } from 'winston';
import type { RecordOf } from '../../../log/records.js';
import type { LogDirectory } from '../../store/logDirectory.js';
import type { AlertEvent } from '../storm.js';

/** An outcome record but for the transition it is about and its time. */
export type Outcome = Omit<RecordOf<'delivered'>, 'at' | 'ref'> | Omit<RecordOf<'undeliverable'>, 'at' | 'ref'> | Omit<RecordOf<'withheld'>, 'at' | 'ref'>;
type OutcomeRecord = RecordOf<'delivered'> | RecordOf<'undeliverable'> | RecordOf<'withheld'>;

/** The log records for an outcome of some transitions, grouped by client so each log gets one append. */
export function outcomeRecords(events: readonly AlertEvent[], outcome: Outcome, at: string): Map<string, OutcomeRecord[]> {
  const byClient = new Map<string, OutcomeRecord[]>();
  for (const event of events) {
    let records = byClient.get(event.client);
    if (records === undefined) byClient.set(event.client, (records = []));
    records.push({ ...outcome, at, ref: event.transitionId });
  }
  return byClient;
}

export class OutcomeRecorder {
  private readonly recording = new Set<Promise<void>>();

  constructor(private readonly logs: LogDirectory, private readonly logger: Logger) {}

  record(events: readonly AlertEvent[], outcome: Outcome, at: string): void {
    if (events.length === 0) return;
    const appends = [...outcomeRecords(events, outcome, at)].map(async ([client, records]) => {
      try {
        await this.logs.append(client, records);
      } catch (error) {
        this.logger.error(`cannot record delivery for ${client}: ${(error as Error).message}`);
      }
    });
    const done: Promise<void> = Promise.all(appends).then(() => {
      this.recording.delete(done);
    });
    this.recording.add(done);
  }

  /** Resolves once every outcome recorded so far is in the logs (or failed to be, and was logged). */
  async settled(): Promise<void> {
    while (this.recording.size > 0) await Promise.all(this.recording);
  }
}
