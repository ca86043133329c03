/**
 * The last chain value of each log file the server appends to (log/chain.ts), so that an
 * append hashes only its own records and never reads the file back. A million sensors each
 * get one: the 32 bytes go in fixed-size typed-array blocks outside V8's heap (never grown by
 * copying), and the heap holds only a map entry from the client's id (the string the client
 * table already keeps) to its slot.
 *
 * A head is forgotten when a write fails (part of it may be on disk): the next append finds
 * the file's last whole line again (tailHead) and chains after that.
 */
import { decodeLineParts } from '../../log/records.js';
import { genesis } from '../../log/chain.js';

const HASH_BYTES = 32;
const SLOTS_PER_BLOCK = 4096;

export class ChainHeads {
  private readonly slots = new Map<string, number>();
  private readonly blocks: Buffer[] = [];
  /** Slots of forgotten heads, to reuse. */
  private readonly free: number[] = [];

  get size(): number {
    return this.slots.size;
  }

  /** `client`'s last chain value as hex, or undefined when not known. */
  get(client: string): string | undefined {
    const slot = this.slots.get(client);
    if (slot === undefined) return undefined;
    const block = this.blocks[Math.floor(slot / SLOTS_PER_BLOCK)]!;
    const start = (slot % SLOTS_PER_BLOCK) * HASH_BYTES;
    return block.toString('hex', start, start + HASH_BYTES);
  }

  set(client: string, hex: string): void {
    let slot = this.slots.get(client);
    if (slot === undefined) {
      slot = this.free.pop() ?? this.slots.size;
      if (slot >= this.blocks.length * SLOTS_PER_BLOCK) this.blocks.push(Buffer.alloc(SLOTS_PER_BLOCK * HASH_BYTES));
      this.slots.set(client, slot);
    }
    this.blocks[Math.floor(slot / SLOTS_PER_BLOCK)]!.write(hex, (slot % SLOTS_PER_BLOCK) * HASH_BYTES, HASH_BYTES, 'hex');
  }

  forget(client: string): void {
    const slot = this.slots.get(client);
    if (slot === undefined) return;
    this.slots.delete(client);
    this.free.push(slot);
  }
}

/**
 * Pure: the chain value a new line of the file `name` links to, from the file's last bytes
 * (`tail`; `whole`: they are the whole file). The last readable line decides: its chain
 * value, or the genesis when it is unchained (an old log, or none). A torn last line (what a
 * `kill -9` mid-write leaves) fails its CRC and is passed over, as the verifier passes over
 * it. Null when `tail` holds no whole line and more of the file is before it: read more.
 */
export function tailHead(name: string, tail: Buffer, whole: boolean): string | null {
  let end = tail.length;
  while (end > 0) {
    const newline = tail.lastIndexOf(0x0a, end - 1);
    if (newline === -1 && !whole) return null;
    const line = tail.toString('utf8', newline + 1, end);
    const decoded = line === '' ? null : decodeLineParts(line);
    if (decoded !== null) return decoded.chain ?? genesis(name);
    end = Math.max(newline, 0);
  }
  return genesis(name);
}
