/**
 * HMAC-SHA-256 (RFC 2104) for many 32-byte keys and short messages, in plain JavaScript.
 *
 * Why not node:crypto's createHmac: the server checks one MAC per datagram, and createHmac
 * costs 2–4 µs for a 70-byte message (a new object, the key imported, two crossings into
 * C++), the largest single cost per datagram. Here a check is four or five SHA-256
 * compressions over a typed array, about 1 µs, with no allocation, and the keys of a million
 * sensors are one 32 MB array. (Keeping each key's two padded-block states instead would
 * save two compressions per check but double the memory.) test/server/intake/hmacSha256.test.ts
 * checks it against node:crypto over random keys and messages of every length up to NM1's
 * maximum.
 *
 * Keys are never logged or written anywhere.
 */

import { grownTo } from '../core/typedArray.js';

const K = Int32Array.from([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
  0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
  0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
  0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
  0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
]);
const INITIAL = Int32Array.from([0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19]);
const BLOCK_BYTES = 64;
const KEY_BYTES = 32;
const KEY_WORDS = KEY_BYTES / 4;
const INNER_PAD = 0x36363636;
const OUTER_PAD = 0x5c5c5c5c;

// Scratch space: the message schedule and the running hash. Single-threaded, never re-entered.
const W = new Int32Array(64);
const H = new Int32Array(8);
const FINAL = new Int32Array(16);

/** One SHA-256 compression of the block in W[0..16) into state[at..at+8). */
function compress(state: Int32Array, at: number): void {
  for (let i = 16; i < 64; i++) {
    const w15 = W[i - 15]!;
    const w2 = W[i - 2]!;
    const s0 = ((w15 >>> 7) | (w15 << 25)) ^ ((w15 >>> 18) | (w15 << 14)) ^ (w15 >>> 3);
    const s1 = ((w2 >>> 17) | (w2 << 15)) ^ ((w2 >>> 19) | (w2 << 13)) ^ (w2 >>> 10);
    W[i] = (W[i - 16]! + s0 + W[i - 7]! + s1) | 0;
  }
  let a = state[at]!, b = state[at + 1]!, c = state[at + 2]!, d = state[at + 3]!;
  let e = state[at + 4]!, f = state[at + 5]!, g = state[at + 6]!, h = state[at + 7]!;
  for (let i = 0; i < 64; i++) {
    const s1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
    const t1 = (h + s1 + ((e & f) ^ (~e & g)) + K[i]! + W[i]!) | 0;
    const s0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
    const t2 = (s0 + ((a & b) ^ (a & c) ^ (b & c))) | 0;
    h = g;
    g = f;
    f = e;
    e = (d + t1) | 0;
    d = c;
    c = b;
    b = a;
    a = (t1 + t2) | 0;
  }
  state[at] = (state[at]! + a) | 0;
  state[at + 1] = (state[at + 1]! + b) | 0;
  state[at + 2] = (state[at + 2]! + c) | 0;
  state[at + 3] = (state[at + 3]! + d) | 0;
  state[at + 4] = (state[at + 4]! + e) | 0;
  state[at + 5] = (state[at + 5]! + f) | 0;
  state[at + 6] = (state[at + 6]! + g) | 0;
  state[at + 7] = (state[at + 7]! + h) | 0;
}

/**
 * Many 32-byte keys (NM1's key size) in one typed array, 32 bytes each: a million sensors'
 * keys are 32 MB and no objects.
 */
export class HmacKeys {
  private keys = new Int32Array(KEY_WORDS * 16);
  private count = 0;

  get size(): number {
    return this.count;
  }

  /** Makes room for `more` keys at once (growing by doubling leaves freed arrays behind). */
  reserve(more: number): void {
    const words = (this.count + more) * KEY_WORDS;
    if (words > this.keys.length) this.keys = grownTo(this.keys, words);
  }

  /** Adds a 32-byte key and returns its slot. */
  add(key: Uint8Array): number {
    if (key.length !== KEY_BYTES) throw new RangeError(`an HMAC key here is ${KEY_BYTES} bytes`);
    if ((this.count + 1) * KEY_WORDS > this.keys.length) this.keys = grownTo(this.keys, this.keys.length * 2);
    const slot = this.count++;
    for (let i = 0; i < KEY_WORDS; i++) {
      this.keys[slot * KEY_WORDS + i] = (key[4 * i]! << 24) | (key[4 * i + 1]! << 16) | (key[4 * i + 2]! << 8) | key[4 * i + 3]!;
    }
    return slot;
  }

  /** Starts `state` as SHA-256 after the block key ^ pad (HMAC's inner or outer key block). */
  private keyBlock(slot: number, pad: number, state: Int32Array): void {
    const at = slot * KEY_WORDS;
    for (let i = 0; i < KEY_WORDS; i++) W[i] = this.keys[at + i]! ^ pad;
    for (let i = KEY_WORDS; i < 16; i++) W[i] = pad;
    state.set(INITIAL);
    compress(state, 0);
  }

  /**
   * HMAC-SHA-256 of data[start, end) under the key in `slot`, into H (32 bytes as 8 words,
   * big-endian).
   */
  private mac(slot: number, data: Uint8Array, start: number, end: number): void {
    this.keyBlock(slot, INNER_PAD, H);
    const length = end - start;
    // The message, a 0x80 byte, zeros, and the length in bits of key block + message.
    const blocks = (length + 9 + BLOCK_BYTES - 1) >> 6;
    for (let block = 0; block < blocks; block++) {
      const first = block * BLOCK_BYTES;
      for (let i = 0; i < 16; i++) {
        let word = 0;
        for (let j = 0; j < 4; j++) {
          const p = first + 4 * i + j;
          word = (word << 8) | (p < length ? data[start + p]! : p === length ? 0x80 : 0);
        }
        W[i] = word;
      }
      if (block === blocks - 1) {
        const bits = (BLOCK_BYTES + length) * 8;
        W[14] = Math.floor(bits / 0x100000000);
        W[15] = bits | 0;
      }
      compress(H, 0);
    }
    for (let i = 0; i < 8; i++) W[i] = H[i]!;
    W[8] = 0x80000000 | 0;
    W.fill(0, 9, 15);
    W[15] = (BLOCK_BYTES + 32) * 8;
    // The outer key block needs W too: keep the final block (inner digest, padding) aside.
    for (let i = 0; i < 16; i++) FINAL[i] = W[i]!;
    this.keyBlock(slot, OUTER_PAD, H);
    for (let i = 0; i < 16; i++) W[i] = FINAL[i]!;
    compress(H, 0);
  }

  /**
   * Whether the HMAC of data[start, end) begins with the bytes written as lowercase hex in
   * hex[hexStart, hexStart + 2 * bytes). Looks at every digit whatever it finds, so the time
   * taken says nothing about how much of a forged MAC was right. The caller has checked that
   * the digits are lowercase hex.
   */
  hexPrefixMatches(slot: number, data: Uint8Array, start: number, end: number, hex: Uint8Array, hexStart: number, bytes: number): boolean {
    this.mac(slot, data, start, end);
    let difference = 0;
    for (let i = 0; i < bytes; i++) {
      const high = hex[hexStart + 2 * i]!;
      const low = hex[hexStart + 2 * i + 1]!;
      // '0'-'9' are 0x30-0x39 and 'a'-'f' 0x61-0x66: (c & 0xf) + 9 * (c >> 6) is the digit's value.
      const value = (((high & 0xf) + 9 * (high >> 6)) << 4) | ((low & 0xf) + 9 * (low >> 6));
      difference |= value ^ ((H[i >> 2]! >>> (24 - 8 * (i & 3))) & 0xff);
    }
    return difference === 0;
  }
}
