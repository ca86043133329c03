/**
 * The dhcp check: its messages and verdicts on bytes and numbers, then for real against
 * Debian's dnsmasq on a LAN the test builds from namespaces: a bridge in one, the gateway
 * (where `netmonitor check` runs, via `ip netns exec`), the allowed DHCP server and a rogue
 * one in three others, each joined to the bridge by a veth pair. No packet leaves them.
 */
import t from 'tap';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_CLIENT_MAC } from '../../../sensor/checks/config.js';
import { evaluateOffers, mayBindPort68, parseArp } from '../../../sensor/checks/dhcp.js';
import { buildDiscover, parseMac, parseOffer } from '../../../sensor/checks/dhcpPacket.js';
import { cliPath, tempDir } from '../../helpers.js';
import { namespacesUnavailable } from '../../server/supervision/netns.js';
import { missingProgram } from '../../systemPrograms.js';

const MAC = parseMac(DEFAULT_CLIENT_MAC)!;

/** An OFFER as a server sends it: the DISCOVER turned into a reply, with options. */
function offerFor(discover: Buffer, options: number[]): Buffer {
  const offer = Buffer.from(discover.subarray(0, 240));
  offer[0] = 2;
  Buffer.from([10, 99, 0, 10]).copy(offer, 16);
  return Buffer.concat([offer, Buffer.from([...options, 255])]);
}

t.test('a DISCOVER carries the fixed MAC, the broadcast flag and asks for the server identifier', async (t) => {
  const discover = buildDiscover(MAC, 0xdeadbeef);
  t.equal(discover.length, 300);
  t.same([discover[0], discover[1], discover[2]], [1, 1, 6]);
  t.equal(discover.readUInt32BE(4), 0xdeadbeef);
  t.equal(discover.readUInt16BE(10), 0x8000);
  t.same(discover.subarray(28, 34), MAC);
  t.same([...discover.subarray(236, 247)], [0x63, 0x82, 0x53, 0x63, 53, 1, 1, 55, 3, 1, 3]);
});

t.test('only an OFFER to our DISCOVER with a server identifier is read; anything else is ignored', async (t) => {
  const discover = buildDiscover(MAC, 7);
  t.same(parseOffer(offerFor(discover, [53, 1, 2, 0, 54, 4, 10, 99, 0, 1]), 7, MAC), { serverId: '10.99.0.1', offered: '10.99.0.10' });
  t.equal(parseOffer(offerFor(discover, [53, 1, 5, 54, 4, 10, 99, 0, 1]), 7, MAC), null, 'an ACK');
  t.equal(parseOffer(offerFor(discover, [53, 1, 2, 54, 4, 10, 99, 0, 1]), 8, MAC), null, 'another transaction');
  t.equal(parseOffer(offerFor(discover, [53, 1, 2]), 7, MAC), null, 'no server identifier');
  t.equal(parseOffer(offerFor(discover, [53, 1, 2, 54, 40, 1]), 7, MAC), null, 'an option running past the end');
  t.equal(parseOffer(discover, 7, MAC), null, 'our own broadcast, heard back');
  t.equal(parseOffer(Buffer.from('garbage'), 7, MAC), null);
});

t.test('the check fails on a server id outside the allowed list, or when no server answers', async (t) => {
  const check = { allowedServers: ['10.99.0.1'], waitS: 5, interface: 'br-lan' };
  const allowed = { serverId: '10.99.0.1', offered: '10.99.0.10', mac: '02:00:00:00:00:01' };
  t.same(evaluateOffers([allowed, allowed], check), { status: 'ok', detail: 'DHCP offers on br-lan from 10.99.0.1 (02:00:00:00:00:01)' });
  t.same(evaluateOffers([allowed, { serverId: '192.168.1.50', offered: '192.168.1.100', mac: null }], check), { status: 'failed', detail: 'rogue DHCP server 192.168.1.50 (MAC unknown) on br-lan' });
  t.same(evaluateOffers([], check), { status: 'failed', detail: 'no DHCP server answered on br-lan in 5s' });
});

t.test('port 68 is for root or CAP_NET_BIND_SERVICE; MACs come from complete neighbour entries', async (t) => {
  t.ok(mayBindPort68('', 0));
  t.ok(mayBindPort68('CapEff:\t0000000000000400\n', 1000));
  t.notOk(mayBindPort68('CapEff:\t0000000000000000\n', 1000));
  const arp = 'IP address       HW type     Flags       HW address            Mask     Device\n10.99.0.1        0x1         0x2         d2:b2:6c:06:a8:0e     *        eth0\n10.99.0.9        0x1         0x0         00:00:00:00:00:00     *        eth0\n';
  t.same([...parseArp(arp)], [['10.99.0.1', 'd2:b2:6c:06:a8:0e']]);
});

const skip = namespacesUnavailable() ?? missingProgram('dnsmasq');

t.test("in namespaces, dnsmasq's offers pass when allowed and a second dnsmasq beside it is reported as rogue, with its MAC", { skip }, async (t) => {
  const tag = randomBytes(3).toString('hex');
  const ns = (role: string): string => `nm${role}${tag}`;
  const ip = (...args: string[]): string => execFileSync('ip', args, { encoding: 'utf8' });
  const lan = ns('l');
  const members = { gw: '10.99.0.100', ok: '10.99.0.1', rogue: '10.99.0.50' } as const;
  const made: string[] = [];
  const servers: ChildProcess[] = [];
  t.teardown(async () => {
    for (const server of servers) {
      server.kill('SIGKILL');
      if (server.exitCode === null && server.signalCode === null) await once(server, 'exit');
    }
    // Deleting a namespace deletes its ends of the veth pairs, and with them the other ends.
    for (const name of made) try { ip('netns', 'del', name); } catch { /* already gone */ }
  });
  ip('netns', 'add', lan);
  made.push(lan);
  ip('-n', lan, 'link', 'add', 'br0', 'type', 'bridge');
  ip('-n', lan, 'link', 'set', 'br0', 'up');
  for (const [role, address] of Object.entries(members)) {
    const name = ns(role);
    ip('netns', 'add', name);
    made.push(name);
    ip('-n', name, 'link', 'add', 'lan0', 'type', 'veth', 'peer', 'name', `p${role}`, 'netns', lan);
    ip('-n', lan, 'link', 'set', `p${role}`, 'master', 'br0');
    ip('-n', lan, 'link', 'set', `p${role}`, 'up');
    ip('-n', name, 'addr', 'add', `${address}/24`, 'dev', 'lan0');
    ip('-n', name, 'link', 'set', 'lan0', 'up');
    ip('-n', name, 'link', 'set', 'lo', 'up');
  }
  const dir = tempDir();
  const macOf = (role: string): string => (JSON.parse(ip('-n', ns(role), '-j', 'link', 'show', 'lan0')) as { address: string }[])[0]!.address;
  const startDnsmasq = async (role: 'ok' | 'rogue', range: string): Promise<void> => {
    // --no-ping: dnsmasq would otherwise ping an address for up to 3 s before offering it.
    const server = spawn('ip', ['netns', 'exec', ns(role), 'dnsmasq', '--keep-in-foreground', '--conf-file=/dev/null', '--port=0', '--interface=lan0', '--bind-interfaces',
      `--dhcp-range=${range},255.255.255.0,1h`, `--dhcp-leasefile=${join(dir, `${role}.leases`)}`, '--no-ping', '--user=root', '--pid-file=', '--log-facility=-', '--log-dhcp'],
    { stdio: ['ignore', 'pipe', 'pipe'] });
    servers.push(server);
    let log = '';
    server.stderr!.setEncoding('utf8').on('data', (chunk: string) => (log += chunk));
    server.stdout!.setEncoding('utf8').on('data', (chunk: string) => (log += chunk));
    while (!log.includes('DHCP, sockets bound')) {
      if (server.exitCode !== null) throw new Error(`dnsmasq exited: ${log}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  };
  const config = join(dir, 'sensor.json');
  writeFileSync(config, JSON.stringify({
    server: '127.0.0.1', port: 7777, id: 'home-gw', key: 'ab'.repeat(32), state_file: join(dir, 'state.json'),
    checks: [{ name: 'lan-dhcp', type: 'dhcp', interface: 'lan0', allowed_servers: [members.ok], wait: 2 }],
  }));
  const pass = async (): Promise<{ code: number | null; out: string }> => {
    const child = spawn('ip', ['netns', 'exec', ns('gw'), process.execPath, cliPath, 'check', '--config', config], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
    const [code] = (await once(child, 'exit')) as [number | null];
    return { code, out };
  };

  let result = await pass();
  t.equal(result.code, 1);
  t.match(result.out, 'check lan-dhcp (dhcp): failed (now failing): no DHCP server answered on lan0 in 2s');

  await startDnsmasq('ok', '10.99.0.10,10.99.0.20');
  result = await pass();
  t.equal(result.code, 0, result.out);
  t.match(result.out, `check lan-dhcp (dhcp): ok (recovered): DHCP offers on lan0 from ${members.ok} (${macOf('ok')})`);

  await startDnsmasq('rogue', '10.99.0.60,10.99.0.70');
  result = await pass();
  t.equal(result.code, 1);
  t.match(result.out, `check lan-dhcp (dhcp): failed (now failing): rogue DHCP server ${members.rogue} (${macOf('rogue')}) on lan0`);
  t.notMatch(result.out, 'needs UDP port 68', 'as root, no note about port 68');
});
