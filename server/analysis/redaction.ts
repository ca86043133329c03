/**
 * Redaction of log lines before anything leaves the machine: passwords, tokens, API keys,
 * private keys, cookies, Authorization headers, credentials in URLs and long secret-looking
 * strings become [REDACTED]; e-mail and MAC addresses optionally too. Applied to every line
 * sent to the model and to every piece of evidence a finding keeps. Errs on the side of
 * removing too much: a model does not need a secret to see that a login failed. Pure.
 */

export interface RedactionOptions {
  emails: boolean;
  macs: boolean;
}

export const REDACTED = '[REDACTED]';

/** Names of fields whose values are secret, as `name=value`, `name: value` or `"name": "value"`. */
const SECRET_FIELD = /((?:^|[\s,;&?{("'])["']?(?:[\w.-]*(?:pass(?:word|wd|phrase)?|pwd|secret|token|api[_-]?key|access[_-]?key|private[_-]?key|auth(?:[_-]?key)?|session(?:[_-]?id)?|sid|psk|wpa[_-]?key|community|credential)s?)["']?\s*[=:]\s*)("[^"]*"|'[^']*'|[^\s,;&"')}]+)/gi;
const AUTH_HEADER = /\b((?:proxy-)?authorization\s*[:=]\s*)(?:(?:bearer|basic|digest|token|negotiate)\s+)?\S+(?:\s+\S+=\S+)*/gi;
const COOKIE_HEADER = /\b((?:set-)?cookie\s*[:=]\s*).*/gi;
const BEARER = /\b(bearer\s+)[A-Za-z0-9._~+/=-]+/gi;
const URL_CREDENTIALS = /\b([a-z][a-z0-9+.-]*:\/\/)[^\s/@:]+:[^\s/@]+@/gi;
const JWT = /\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*/g;
const KNOWN_TOKENS = /\b(?:sk-[A-Za-z0-9_-]{16,}|gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,}|xox[abprs]-[A-Za-z0-9-]{10,}|AKIA[0-9A-Z]{16}|AIza[0-9A-Za-z_-]{30,}|glpat-[A-Za-z0-9_-]{20,})\b/g;
// 32 or more characters of base64 or hex with letters and digits both: a key, a hash, a session id.
const LONG_SECRET = /(?<![\w+/=-])(?=[A-Za-z0-9+/_=-]*\d)(?=[A-Za-z0-9+/_=-]*[A-Za-z])[A-Za-z0-9+/_-]{32,}={0,2}(?![\w+/=-])/g;
const EMAIL = /\b[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}\b/g;
const MAC = /\b[0-9a-f]{2}(?::[0-9a-f]{2}){5}\b/gi;
const PEM_BEGIN = /-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----/;
const PEM_END = /-----END [A-Z0-9 ]*PRIVATE KEY-----/;

/** One line, redacted. */
export function redactLine(line: string, options: RedactionOptions): string {
  let text = line
    .replace(AUTH_HEADER, `$1${REDACTED}`)
    .replace(COOKIE_HEADER, `$1${REDACTED}`)
    .replace(BEARER, `$1${REDACTED}`)
    .replace(URL_CREDENTIALS, `$1${REDACTED}@`)
    .replace(JWT, REDACTED)
    .replace(KNOWN_TOKENS, REDACTED)
    .replace(SECRET_FIELD, (_all, name: string, value: string) => (value === REDACTED ? `${name}${value}` : `${name}${REDACTED}`))
    .replace(LONG_SECRET, REDACTED);
  if (options.emails) text = text.replace(EMAIL, '[EMAIL]');
  if (options.macs) text = text.replace(MAC, '[MAC]');
  return text;
}

/** Lines, redacted; a private key block is removed whole, from its BEGIN line to its END line. */
export function redactLines(lines: readonly string[], options: RedactionOptions): string[] {
  const out: string[] = [];
  let inKey = false;
  for (const line of lines) {
    if (inKey || PEM_BEGIN.test(line)) {
      const before = inKey ? '' : redactLine(line.split('-----BEGIN')[0]!, options);
      inKey = !PEM_END.test(line);
      out.push(`${before}${REDACTED} (private key)`);
      continue;
    }
    out.push(redactLine(line, options));
  }
  return out;
}
