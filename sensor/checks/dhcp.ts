/**
 * The `dhcp` check: broadcasts a DHCPDISCOVER on an interface with a fixed client MAC (so it
 * never takes a lease or drains a pool), collects the OFFERs for `wait` seconds, and fails
 * when a server identifier is not in `allowed_servers`, or when no server answers.
 *
 * Node's dgram has no SO_BINDTODEVICE, so the interface is chosen by its address: the
 * DISCOVER goes from a socket bound to that address (Linux sends a limited broadcast out of
 * the interface owning the source address), and the OFFERs, broadcast, arrive on a second
 * socket bound to 0.0.0.0:68. Both need port 68: root or CAP_NET_BIND_SERVICE.
 *
 * A UDP socket does not see the Ethernet source of an OFFER, so each server's MAC is read
 * from the neighbour table (/proc/net/arp), after one empty datagram to its discard port
 * (9) made the kernel resolve it.
 */
import { createSocket, type Socket } from 'node:dgram';
import { once } from 'node:events';
import { readFile } from 'node:fs/promises';
import { networkInterfaces } from 'node:os';
import { randomBytes } from 'node:crypto';
import type { CheckConfig, DhcpSettings } from './config.js';
import { buildDiscover, parseOffer, type Offer } from './dhcpPacket.js';
import { failed, ok, unavailable, type CheckResult } from './result.js';

const CLIENT_PORT = 68;
const SERVER_PORT = 67;
const DISCARD_PORT = 9;
const CAP_NET_BIND_SERVICE = 10;

export interface OfferSeen extends Offer {
  /** The server's MAC address; null when the neighbour table does not know it. */
  mac: string | null;
}

/** Pure: the verdict on the offers seen. */
export function evaluateOffers(offers: readonly OfferSeen[], check: Pick<DhcpSettings, 'allowedServers' | 'waitS' | 'interface'>): CheckResult {
  const servers = new Map<string, OfferSeen>();
  for (const offer of offers) if (!servers.has(offer.serverId)) servers.set(offer.serverId, offer);
  const named = (offer: OfferSeen): string => `${offer.serverId} (${offer.mac ?? 'MAC unknown'})`;
  if (servers.size === 0) return failed(`no DHCP server answered on ${check.interface} in ${check.waitS}s`);
  const rogue = [...servers.values()].filter((offer) => !check.allowedServers.includes(offer.serverId));
  if (rogue.length > 0) return failed(`rogue DHCP server${rogue.length > 1 ? 's' : ''} ${rogue.map(named).join(', ')} on ${check.interface}`);
  return ok(`DHCP offers on ${check.interface} from ${[...servers.values()].map(named).join(', ')}`);
}

/** /proc/net/arp: IP address, HW type, Flags, HW address, Mask, Device; complete entries only. */
export function parseArp(text: string): Map<string, string> {
  const table = new Map<string, string>();
  for (const line of text.split('\n').slice(1)) {
    const [address, , flags, mac] = line.trim().split(/\s+/);
    if (address === undefined || mac === undefined || flags === undefined) continue;
    if ((parseInt(flags, 16) & 0x2) !== 0 && mac !== '00:00:00:00:00:00') table.set(address, mac.toLowerCase());
  }
  return table;
}

/** Whether this process may bind port 68: root, or CAP_NET_BIND_SERVICE in CapEff of /proc/self/status. */
export function mayBindPort68(status: string, uid: number | undefined): boolean {
  if (uid === 0) return true;
  const effective = /^CapEff:\s*([0-9a-f]+)/im.exec(status);
  return effective !== null && (BigInt(`0x${effective[1]}`) & (1n << BigInt(CAP_NET_BIND_SERVICE))) !== 0n;
}

/** The note printed at start when the dhcp checks among `checks` cannot work; null when they can (or there are none). */
export async function dhcpPermissionNote(checks: readonly CheckConfig[]): Promise<string | null> {
  const names = checks.filter((check) => check.type === 'dhcp').map((check) => check.name);
  if (names.length === 0) return null;
  const status = await readFile('/proc/self/status', 'utf8').catch(() => '');
  if (mayBindPort68(status, process.getuid?.())) return null;
  return `dhcp check ${names.join(', ')} needs UDP port 68: run the sensor as root, or give its unit AmbientCapabilities=CAP_NET_BIND_SERVICE CAP_NET_RAW (docs/checks.md)`;
}

function interfaceAddress(name: string): string | null {
  return networkInterfaces()[name]?.find((address) => address.family === 'IPv4')?.address ?? null;
}

async function bound(address: string): Promise<Socket> {
  const socket = createSocket({ type: 'udp4', reuseAddr: true });
  socket.bind(CLIENT_PORT, address);
  await Promise.race([once(socket, 'listening'), once(socket, 'error').then(([error]) => { throw error; })]);
  return socket;
}

export async function runDhcpCheck(check: DhcpSettings): Promise<CheckResult> {
  const address = interfaceAddress(check.interface);
  if (address === null) return unavailable(`interface ${check.interface} has no IPv4 address to send a DHCPDISCOVER from`);
  const xid = randomBytes(4).readUInt32BE(0);
  const sockets: Socket[] = [];
  try {
    let listener: Socket;
    let sender: Socket;
    try {
      listener = await bound('0.0.0.0');
      sockets.push(listener);
      sender = await bound(address);
      sockets.push(sender);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? 'error';
      return failed(`cannot bind UDP port 68 (${code})${code === 'EACCES' ? ': needs root or CAP_NET_BIND_SERVICE' : ''}`);
    }
    const offers: Offer[] = [];
    const take = (packet: Buffer): void => {
      const offer = parseOffer(packet, xid, check.clientMac);
      if (offer !== null) offers.push(offer);
    };
    listener.on('message', take);
    sender.on('message', take);
    sender.setBroadcast(true);
    await new Promise<void>((resolve, reject) => sender.send(buildDiscover(check.clientMac, xid), SERVER_PORT, '255.255.255.255', (error) => (error ? reject(error) : resolve())));
    await new Promise((resolve) => setTimeout(resolve, check.waitS * 1000));
    const servers = [...new Set(offers.map((offer) => offer.serverId))];
    let arp = parseArp(await readFile('/proc/net/arp', 'utf8').catch(() => ''));
    const unknown = servers.filter((server) => !arp.has(server));
    if (unknown.length > 0) {
      for (const server of unknown) sender.send(Buffer.alloc(0), DISCARD_PORT, server, () => {});
      await new Promise((resolve) => setTimeout(resolve, 300));
      arp = parseArp(await readFile('/proc/net/arp', 'utf8').catch(() => ''));
    }
    return evaluateOffers(offers.map((offer) => ({ ...offer, mac: arp.get(offer.serverId) ?? null })), check);
  } catch (error) {
    return failed(`cannot send a DHCPDISCOVER on ${check.interface} (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
  } finally {
    for (const socket of sockets) socket.close();
  }
}
