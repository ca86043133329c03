/**
 * Dotted-quad IPv4 addresses as unsigned 32-bit numbers, so a million clients' last source
 * addresses fit in a typed array instead of a million strings on V8's heap.
 */

/** `address` as a number when it is a canonical dotted quad (`192.0.2.7`); -1 for anything else. */
export function packIpv4(address: string): number {
  let value = 0;
  let part = -1;
  let dots = 0;
  for (let i = 0; i < address.length; i++) {
    const code = address.charCodeAt(i);
    if (code === 0x2e) {
      if (part < 0 || dots === 3) return -1;
      value = value * 256 + part;
      part = -1;
      dots++;
    } else if (code >= 0x30 && code <= 0x39) {
      // A leading zero ("01") would not come back the same from formatIpv4.
      if (part === 0) return -1;
      part = part < 0 ? code - 0x30 : part * 10 + code - 0x30;
      if (part > 255) return -1;
    } else {
      return -1;
    }
  }
  return part < 0 || dots !== 3 ? -1 : value * 256 + part;
}

export function formatIpv4(packed: number): string {
  return `${packed >>> 24}.${(packed >>> 16) & 255}.${(packed >>> 8) & 255}.${packed & 255}`;
}
