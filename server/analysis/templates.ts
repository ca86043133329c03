/**
 * Repeated log lines collapsed into templates with counts: numbers, IPv4 and IPv6
 * addresses, MAC addresses and hex masked, so 5,000 firewall drops that differ only in port
 * and address become one line with a count. Costs no tokens on noise, and the rules count
 * what they match. Pure.
 */

export interface Template {
  /** The masked line: what repeats. */
  template: string;
  /** How many lines had this template. */
  count: number;
  /** The first line with it, as read (redacted before it leaves the machine). */
  first: string;
  /** The last line with it. */
  last: string;
}

const MAC = /\b[0-9a-f]{2}(?::[0-9a-f]{2}){5}\b/gi;
// Two or more groups with at least one `::` or seven colons: a loose IPv6 match is enough to mask.
const IPV6 = /(?<![\w:])(?:[0-9a-f]{1,4}:){1,7}(?::[0-9a-f]{1,4}){1,7}(?![\w:])|(?<![\w:])(?:[0-9a-f]{1,4}:){7}[0-9a-f]{1,4}(?![\w:])|(?<![\w:])(?:[0-9a-f]{1,4}:){1,7}:(?![\w:])|::(?:[0-9a-f]{1,4}:){0,6}[0-9a-f]{1,4}\b/gi;
const IPV4 = /\b(?:\d{1,3}\.){3}\d{1,3}\b/g;
const HEX = /\b0x[0-9a-f]+\b|\b(?=[0-9a-f]*\d)(?=[0-9a-f]*[a-f])[0-9a-f]{8,}\b/gi;
const NUMBER = /\d+/g;

/** The line with its variable parts replaced by <mac>, <ip6>, <ip>, <hex> and <n>. */
export function maskLine(line: string): string {
  return line
    .replace(MAC, '<mac>')
    .replace(IPV6, '<ip>')
    .replace(IPV4, '<ip>')
    .replace(HEX, '<hex>')
    .replace(NUMBER, '<n>')
    .replace(/\s+/g, ' ')
    .trim();
}

/** The lines as templates, in the order each template first appeared. */
export function collapse(lines: readonly string[]): Template[] {
  const byTemplate = new Map<string, Template>();
  for (const line of lines) {
    const template = maskLine(line);
    const known = byTemplate.get(template);
    if (known === undefined) byTemplate.set(template, { template, count: 1, first: line, last: line });
    else {
      known.count++;
      known.last = line;
    }
  }
  return [...byTemplate.values()];
}
