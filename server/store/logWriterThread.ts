/**
 * The log writer's thread (server/store/logWriter.ts): writes the batches it is sent with
 * BatchWriter, one after another in the order they came, and answers each with its outcomes.
 *
 * It runs at a lower priority than the thread that reads the socket: in a burst both want
 * the CPU, and a datagram the kernel drops for a full receive queue is lost, while a write
 * that waits is only late (docs/benchmarks.md). On Linux a nice value is per thread, and
 * setpriority(2) with pid 0 sets the calling thread's.
 */
import { setPriority } from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import { BatchWriter } from './logBatch.js';
import type { BatchReply, BatchRequest } from './logWriter.js';

/** Nice 10: behind the socket's thread, ahead of batch jobs at 19. */
const NICE = 10;
try {
  setPriority(NICE);
} catch {
  // Not permitted (a container's policy): the writer runs at the process's priority.
}

const writer = new BatchWriter((workerData as { dir: string }).dir);
parentPort!.on('message', ({ id, batch }: BatchRequest) => {
  const reply: BatchReply = { id, outcomes: writer.write(batch) };
  parentPort!.postMessage(reply);
});
