/**
 * DHCP messages for the `dhcp` check (RFC 2131, options of RFC 2132): a DISCOVER to build and
 * OFFERs to read. Pure functions over bytes; an answer that is not an OFFER to our DISCOVER
 * is null, never an exception.
 */
const BOOTP_BYTES = 236;
const MAGIC_COOKIE = [0x63, 0x82, 0x53, 0x63];
const OPTION_PAD = 0;
const OPTION_END = 255;
const OPTION_MESSAGE_TYPE = 53;
const OPTION_SERVER_ID = 54;
const OPTION_PARAMETERS = 55;
const DHCPDISCOVER = 1;
const DHCPOFFER = 2;
/** The broadcast flag: the server answers by broadcast, since we have no address to be sent to. */
const FLAG_BROADCAST = 0x8000;

/** "02:6e:6d:00:00:01" → 6 bytes; null when it is not a MAC address. */
export function parseMac(text: string): Buffer | null {
  if (!/^[0-9a-f]{2}(?::[0-9a-f]{2}){5}$/i.test(text)) return null;
  return Buffer.from(text.replaceAll(':', ''), 'hex');
}

export function buildDiscover(mac: Buffer, xid: number): Buffer {
  const options = [...MAGIC_COOKIE, OPTION_MESSAGE_TYPE, 1, DHCPDISCOVER, OPTION_PARAMETERS, 3, 1, 3, OPTION_SERVER_ID, OPTION_END];
  // BOOTP relays drop messages under 300 bytes.
  const packet = Buffer.alloc(Math.max(300, BOOTP_BYTES + options.length));
  packet[0] = 1; // BOOTREQUEST
  packet[1] = 1; // Ethernet
  packet[2] = 6; // its address length
  packet.writeUInt32BE(xid >>> 0, 4);
  packet.writeUInt16BE(FLAG_BROADCAST, 10);
  mac.copy(packet, 28);
  Buffer.from(options).copy(packet, BOOTP_BYTES);
  return packet;
}

export interface Offer {
  /** The server identifier (option 54): the address the server says it has. */
  serverId: string;
  /** The address offered to us. */
  offered: string;
}

const ipv4At = (packet: Buffer, at: number): string => [...packet.subarray(at, at + 4)].join('.');

/** The OFFER in `packet` answering DISCOVER `xid` for `mac`; null for anything else. */
export function parseOffer(packet: Buffer, xid: number, mac: Buffer): Offer | null {
  if (packet.length < BOOTP_BYTES + MAGIC_COOKIE.length || packet[0] !== 2 || packet.readUInt32BE(4) !== xid >>> 0) return null;
  if (!packet.subarray(28, 34).equals(mac)) return null;
  if (!MAGIC_COOKIE.every((byte, i) => packet[BOOTP_BYTES + i] === byte)) return null;
  let type: number | null = null;
  let serverId: string | null = null;
  let at = BOOTP_BYTES + MAGIC_COOKIE.length;
  while (at < packet.length) {
    const code = packet[at]!;
    if (code === OPTION_END) break;
    if (code === OPTION_PAD) {
      at++;
      continue;
    }
    const length = packet[at + 1];
    if (length === undefined || at + 2 + length > packet.length) return null;
    if (code === OPTION_MESSAGE_TYPE && length === 1) type = packet[at + 2]!;
    if (code === OPTION_SERVER_ID && length === 4) serverId = ipv4At(packet, at + 2);
    at += 2 + length;
  }
  if (type !== DHCPOFFER || serverId === null) return null;
  return { serverId, offered: ipv4At(packet, 16) };
}
