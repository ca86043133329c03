import t from 'tap';
import { prefilter, prepareRun } from '../../../server/analysis/pipeline.js';
import { redactLine, redactLines, REDACTED } from '../../../server/analysis/redaction.js';
import { applyRules } from '../../../server/analysis/rules.js';
import { collapse, maskLine } from '../../../server/analysis/templates.js';

const OPTIONS = { emails: true, macs: false };

t.test('numbers, IPv4 and IPv6 addresses, MAC addresses and hex are masked in a template', async (t) => {
  t.equal(
    maskLine('Dec  2 02:11:05 kernel: DROP IN=eth1 SRC=198.51.100.23 DST=2001:db8::1 MAC=aa:bb:cc:00:11:22 ID=0x3f2a LEN=60 hash deadbeef01'),
    'Dec <n> <n>:<n>:<n> kernel: DROP IN=eth<n> SRC=<ip> DST=<ip> MAC=<mac> ID=<hex> LEN=<n> hash <hex>',
  );
  t.equal(maskLine('from fe80::1ff:fe23:4567:890a and 2001:db8:0:0:0:0:2:1'), 'from <ip> and <ip>');
});

t.test('5,000 firewall drops that differ in address and port become one template with a count', async (t) => {
  const lines = Array.from({ length: 5000 }, (_, i) => `kernel: DROP IN=eth1 SRC=203.0.113.${i % 250} SPT=${1024 + i} DPT=23`);
  lines.splice(2500, 0, 'dnsmasq[1]: started');
  const templates = collapse(lines);
  t.equal(templates.length, 2);
  t.match(templates[0], { count: 5000, first: lines[0], last: lines.at(-1), template: 'kernel: DROP IN=eth<n> SRC=<ip> SPT=<n> DPT=<n>' });
  t.match(templates[1], { count: 1, first: 'dnsmasq[1]: started' });
});

t.test('include and exclude expressions choose the lines; blank lines are dropped', async (t) => {
  const source = { include: [/pppd|kernel/i], exclude: [/DROP/] };
  t.same(prefilter(['pppd: up', 'kernel: DROP x', 'kernel: eth0 link down', 'sshd: hi', '  '], source), ['pppd: up', 'kernel: eth0 link down']);
  t.same(prefilter(['a', ''], { include: [], exclude: [] }), ['a']);
});

t.test('real-looking secrets are redacted before anything leaves the machine', async (t) => {
  const secrets: [string, string][] = [
    ['uhttpd: GET /cgi-bin/luci?username=root&password=Tr0ub4dor%263 HTTP/1.1', 'Tr0ub4dor'],
    ['nginx: "Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U"', 'eyJhbGci'],
    ['proxy: Authorization: Basic cm9vdDpodW50ZXIy', 'cm9vdDpodW50ZXIy'],
    ['app: Cookie: sessionid=38afes7a8; csrftoken=Zk2x9', '38afes7a8'],
    ['app: Set-Cookie: SID=31d4d96e407aad42; Path=/; Secure', '31d4d96e407aad42'],
    ['openai: using key sk-proj-4f9Qw8ZlT2xV7bN1mK3pR6sY0uA5cE8hJ', 'sk-proj-4f9Qw8'],
    ['ci: token ghp_16C7e42F292c6912E7710c838347Ae178B4a', 'ghp_16C7e42F'],
    ['aws: AKIAIOSFODNN7EXAMPLE used', 'AKIAIOSFODNN7EXAMPLE'],
    ['wpa_supplicant: psk="correct horse battery staple"', 'correct horse'],
    ['ddns: updating https://user:s3cretPass@dyn.example.net/nic/update', 's3cretPass'],
    ['config: {"api_key": "a1b2c3d4e5f6", "mode": "on"}', 'a1b2c3d4e5f6'],
    ['snmpd: community: public-r34d', 'public-r34d'],
    ['vpn: session key 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08', '9f86d081884c'],
    ['postfix: from=<alice@example.org> relay ok', 'alice@example.org'],
  ];
  for (const [line, secret] of secrets) {
    const redacted = redactLine(line, OPTIONS);
    t.notOk(redacted.includes(secret), `${line.split(':')[0]}: ${redacted}`);
  }
  t.match(redactLine('mode=on password=x count=3', OPTIONS), `mode=on password=${REDACTED} count=3`, 'only the secret value goes');
  t.equal(redactLine('sshd[1]: Failed password for root from 203.0.113.9 port 22 ssh2', OPTIONS), 'sshd[1]: Failed password for root from 203.0.113.9 port 22 ssh2', 'a failed login keeps its words and address');
  t.equal(redactLine('dhcp: lease to aa:bb:cc:dd:ee:ff', OPTIONS), 'dhcp: lease to aa:bb:cc:dd:ee:ff', 'MACs stay unless asked');
  t.equal(redactLine('dhcp: lease to aa:bb:cc:dd:ee:ff for bob@example.net', { emails: false, macs: true }), 'dhcp: lease to [MAC] for bob@example.net');
});

t.test('a private key in a log is removed from its BEGIN line to its END line', async (t) => {
  const lines = redactLines([
    'dropbear: loaded -----BEGIN OPENSSH PRIVATE KEY-----',
    'b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW',
    'QyNTUxOQAAACDmXyr3g3P8y2G',
    '-----END OPENSSH PRIVATE KEY-----',
    'dropbear: listening',
  ], OPTIONS);
  t.same(lines, ['dropbear: loaded [REDACTED] (private key)', '[REDACTED] (private key)', '[REDACTED] (private key)', '[REDACTED] (private key)', 'dropbear: listening']);
});

t.test('the rules find auth failures per address, LCP timeouts, link flaps, DHCP failures and the OOM killer', async (t) => {
  const lines = [
    ...Array.from({ length: 25 }, (_, i) => `sshd[9${i}]: Failed password for root from 203.0.113.9 port ${40000 + i} ssh2`),
    'sshd[1]: Invalid user admin from 198.51.100.7 port 50000',
    'dropbear[2]: Bad password attempt for root',
    'pppd[812]: No response to 5 echo-requests',
    'pppd[812]: Serial link appears to be disconnected.',
    'pppd[812]: LCP terminated by peer',
    'kernel: eth1: link down', 'kernel: eth1: link up', 'kernel: eth1: link down', 'kernel: eth1: link up',
    'kernel: e1000e 0000:00:19.0 eth0: NIC Link is Down',
    'kernel: br-lan: port 2(wlan0) entered forwarding state',
    'udhcpc: no lease, failing', 'dnsmasq-dhcp[5]: DHCPNAK(br-lan) 192.168.1.50 aa:bb:cc:dd:ee:ff wrong address',
    'kernel: Out of memory: Killed process 1234 (dnsmasq) total-vm:12345kB',
  ];
  const found = applyRules(collapse(lines));
  const byTitle = Object.fromEntries(found.map((f) => [f.title, f]));
  t.match(byTitle['Authentication failures from 203.0.113.9'], { severity: 'high', count: 25, rule: 'auth-failures' });
  t.match(byTitle['Authentication failures from 198.51.100.7'], { severity: 'low', count: 1 });
  t.match(byTitle['Authentication failures from an unknown address'], { count: 1 });
  t.match(byTitle['PPPoE/LCP timeouts'], { severity: 'high', count: 3 });
  t.match(byTitle['Link flaps on eth1'], { severity: 'medium', count: 2 });
  t.match(byTitle['Link down on eth0'], { severity: 'low', count: 1 });
  t.match(byTitle['DHCP lease failures'], { severity: 'medium', count: 2 });
  t.match(byTitle['Kernel out of memory: processes killed'], { severity: 'high', count: 1 });
  t.equal(found.length, 8);
  t.ok(found.every((f) => f.evidence.length >= 1 && f.evidence.length <= 5));
  t.same(applyRules(collapse(['kernel: eth2: link up', 'dnsmasq: started'])), [], 'a link coming up alone and routine lines find nothing');
  t.match(applyRules(collapse(['pppd: LCP: timeout sending Config-Requests'])), [{ severity: 'medium' }]);
  t.match(applyRules(collapse(Array.from({ length: 6 }, (_, i) => `kernel: eth3: carrier lost ${i}`))), [{ severity: 'high', title: 'Link flaps on eth3' }]);
});

t.test('a run is filtered, redacted, collapsed and read by the rules', async (t) => {
  const run = prepareRun([
    'pppd[1]: No response to 5 echo-requests token=abc123secret',
    'pppd[1]: No response to 6 echo-requests token=zzz999other',
    'noise: heartbeat ok',
  ], { name: 'router', include: [], exclude: [/heartbeat/] }, OPTIONS);
  t.match(run, { source: 'router', read: 3, kept: 2 });
  t.equal(run.templates.length, 1);
  t.equal(run.templates[0]!.count, 2);
  t.notMatch(JSON.stringify(run), /abc123secret|zzz999other/);
  t.match(run.rules, [{ rule: 'lcp-timeouts', count: 2 }]);
});

t.test('a reply is checked against the schema field by field', async (t) => {
  const { schemaProblem, acceptFindings } = await import('../../../server/analysis/prompt.js');
  const ok = { severity: 'low', title: 't', evidence: [], count: 1 };
  t.equal(schemaProblem({ findings: [ok] }), null, 'explanation may be left out');
  t.equal(schemaProblem([]), 'the reply is not a JSON object');
  t.equal(schemaProblem({}), 'the reply has no "findings" list');
  t.equal(schemaProblem({ findings: [1] }), 'findings[0] is not an object');
  t.match(schemaProblem({ findings: [{ ...ok, title: ' ' }] }), /title/);
  t.match(schemaProblem({ findings: [{ ...ok, evidence: [1] }] }), /evidence/);
  t.match(schemaProblem({ findings: [{ ...ok, count: 0 }] }), /count/);
  t.match(schemaProblem({ findings: [{ ...ok, explanation: 3 }] }), /explanation/);
  const run = prepareRun(['pppd[1]: No response to 5 echo-requests'], { name: 'r', include: [], exclude: [] }, OPTIONS);
  const [finding] = acceptFindings({ findings: [{ ...ok, title: 'x'.repeat(300), evidence: ['1× pppd[1]: No response to 5 echo-requests', 'pppd[1]: No response to 5 echo-requests', ''], explanation: '  ' }] }, run);
  t.equal(finding!.title.length, 120);
  t.same(finding!.evidence, ['pppd[1]: No response to 5 echo-requests'], 'the COUNT× prefix is understood, a line counts once');
  t.equal(finding!.explanation, null);
});
