/**
 * The deterministic rules: what the collapsed lines of one run show without any model.
 * Authentication failures per remote address, PPPoE/LCP timeouts, link flaps per interface,
 * DHCP lease failures and the kernel's OOM killer. Their findings never depend on the
 * model's reply, so a log line that talks to the model cannot hide them, and an endpoint
 * that is down or over budget still leaves them. Pure.
 */
import type { Severity } from './config.js';
import type { Template } from './templates.js';

export interface RuleFinding {
  rule: string;
  severity: Severity;
  title: string;
  /** Lines as read (already redacted), at most EVIDENCE_LIMIT. */
  evidence: string[];
  count: number;
  /** What the fingerprint keys on: the rule and what it counts (an address, an interface). */
  template: string;
}

export const EVIDENCE_LIMIT = 5;

const AUTH_FAILURE = /failed password|authentication fail|auth(?:entication)? failure|invalid user|login incorrect|bad password|failed login|incorrect password|pam_unix\([^)]*\): authentication failure/i;
const REMOTE = /(?:from|rhost=|src=|client|ip)[\s=:[]*((?:\d{1,3}\.){3}\d{1,3}|[0-9a-f]*:[0-9a-f:]+:[0-9a-f]+)/i;
const LCP_TIMEOUT = /no response to \d+ echo-requests|lcp[^\n]*(?:time(?:d)? ?out|no response)|lcp terminated|timeout waiting for pad[os]|padi[^\n]*time(?:d)? ?out|pppoe[^\n]*time(?:d)? ?out|serial link appears to be disconnected/i;
const LINK_DOWN = /\b(\w[\w.@-]*):? (?:nic )?link (?:is )?down\b|\b(\w[\w.@-]*): carrier lost|link down on (\w[\w.@-]*)/i;
const LINK_UP = /\b(\w[\w.@-]*):? (?:nic )?link (?:is )?up\b|\b(\w[\w.@-]*): carrier acquired|link up on (\w[\w.@-]*)/i;
const DHCP_FAILURE = /dhcpnak|no dhcpoffers?|dhcp[^\n]*(?:fail|time(?:d)? ?out|no lease)|lease[^\n]*(?:expired|fail|lost)|udhcpc[^\n]*(?:no lease|failing)|dhcp6?[^\n]*no (?:address|prefix)/i;
const OOM = /out of memory|oom-killer|oom_reaper|oom-kill:|killed process \d+/i;

function tally(templates: readonly Template[], pattern: RegExp): { count: number; evidence: string[] } {
  let count = 0;
  const evidence: string[] = [];
  for (const t of templates) {
    if (!pattern.test(t.first)) continue;
    count += t.count;
    if (evidence.length < EVIDENCE_LIMIT) evidence.push(t.first);
  }
  return { count, evidence };
}

const bySize = (count: number, medium: number, high: number): Severity => (count >= high ? 'high' : count >= medium ? 'medium' : 'low');

function authFailures(templates: readonly Template[]): RuleFinding[] {
  const byRemote = new Map<string, { count: number; evidence: string[] }>();
  for (const t of templates) {
    if (!AUTH_FAILURE.test(t.first)) continue;
    // The address of each line of the template: the first and the last stand for the rest.
    const remote = REMOTE.exec(t.first)?.[1] ?? 'an unknown address';
    const entry = byRemote.get(remote) ?? { count: 0, evidence: [] };
    entry.count += t.count;
    if (entry.evidence.length < EVIDENCE_LIMIT) entry.evidence.push(t.first);
    byRemote.set(remote, entry);
  }
  return [...byRemote].map(([remote, { count, evidence }]) => ({
    rule: 'auth-failures',
    severity: bySize(count, 5, 20),
    title: `Authentication failures from ${remote}`,
    evidence,
    count,
    template: `auth-failures ${remote}`,
  }));
}

function linkFlaps(templates: readonly Template[]): RuleFinding[] {
  const byInterface = new Map<string, { downs: number; ups: number; evidence: string[] }>();
  for (const t of templates) {
    const down = LINK_DOWN.exec(t.first);
    const up = down === null ? LINK_UP.exec(t.first) : null;
    const match = down ?? up;
    if (match === null) continue;
    const name = match[1] ?? match[2] ?? match[3]!;
    const entry = byInterface.get(name) ?? { downs: 0, ups: 0, evidence: [] };
    if (down !== null) entry.downs += t.count;
    else entry.ups += t.count;
    if (entry.evidence.length < EVIDENCE_LIMIT) entry.evidence.push(t.first);
    byInterface.set(name, entry);
  }
  return [...byInterface].filter(([, e]) => e.downs > 0).map(([name, { downs, evidence }]) => ({
    rule: 'link-flaps',
    severity: bySize(downs, 2, 5),
    title: downs === 1 ? `Link down on ${name}` : `Link flaps on ${name}`,
    evidence,
    count: downs,
    template: `link-flaps ${name}`,
  }));
}

function simple(templates: readonly Template[], rule: string, pattern: RegExp, title: string, severity: (count: number) => Severity): RuleFinding[] {
  const { count, evidence } = tally(templates, pattern);
  return count === 0 ? [] : [{ rule, severity: severity(count), title, evidence, count, template: rule }];
}

/** Every rule's findings for one run's templates. */
export function applyRules(templates: readonly Template[]): RuleFinding[] {
  return [
    ...authFailures(templates),
    ...simple(templates, 'lcp-timeouts', LCP_TIMEOUT, 'PPPoE/LCP timeouts', (n) => (n >= 3 ? 'high' : 'medium')),
    ...linkFlaps(templates),
    ...simple(templates, 'dhcp-failures', DHCP_FAILURE, 'DHCP lease failures', (n) => (n >= 3 ? 'high' : 'medium')),
    ...simple(templates, 'kernel-oom', OOM, 'Kernel out of memory: processes killed', () => 'high'),
  ];
}
