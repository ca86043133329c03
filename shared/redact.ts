/**
 * What an error or a log line may show of a configured value. Keys, tokens, passwords,
 * hook commands and URLs (which carry credentials, tokens in the query, secret UUIDs in the
 * path) are never echoed: an error names the key and the line, and a URL shows only its
 * scheme and host. Config errors end up in journals and bug reports.
 */

/** Names of settings whose values may be secret (the last part of a dotted key). */
const SECRET_NAME = /(password|passphrase|secret|token|key|_url$|^url$|command|args|headers|body)/i;

export function mayBeSecret(key: string): boolean {
  const last = key.split('.').pop() ?? key;
  return SECRET_NAME.test(last.replace(/\s*\(.*\)$/, ''));
}

/** A URL as scheme and host only (`https://hc.example.net`); never its path, query or login. */
export function urlOrigin(text: string): string {
  try {
    const url = new URL(text);
    return `${url.protocol}//${url.host}`;
  } catch {
    return 'a URL that does not parse (not shown)';
  }
}

/** `value` as an error may quote it for the setting `key`: JSON, or a note that it is not shown. */
export function shown(key: string, value: unknown): string {
  if (!mayBeSecret(key)) return JSON.stringify(value);
  return typeof value === 'string' && /^[a-z][a-z0-9+.-]*:\/\//i.test(value) ? urlOrigin(value) : 'a value not shown here';
}

/**
 * Where JSON.parse gave up, as `line L, column C` (1-based), found by a small scanner:
 * V8's messages quote the text around the error, which may be a password or key.
 */
export function jsonErrorPlace(text: string): string {
  let at = 0;
  const fail = (): never => {
    throw at;
  };
  const space = (): void => {
    while (at < text.length && ' \t\n\r'.includes(text[at]!)) at++;
  };
  const literal = (word: string): void => {
    for (const char of word) if (text[at++] !== char) (at--, fail());
  };
  const string = (): void => {
    at++;
    for (;;) {
      const char = text[at];
      if (char === undefined || char < ' ') fail();
      if (char === '"') return void at++;
      if (char === '\\') {
        at++;
        if (text[at] === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(at + 1, at + 5))) fail();
          at += 4;
        } else if (!'"\\/bfnrt'.includes(text[at] ?? 'x')) fail();
      }
      at++;
    }
  };
  const value = (): void => {
    space();
    const char = text[at];
    if (char === '{' || char === '[') {
      const close = char === '{' ? '}' : ']';
      at++;
      space();
      if (text[at] === close) return void at++;
      for (;;) {
        if (close === '}') {
          space();
          if (text[at] !== '"') fail();
          string();
          space();
          if (text[at] !== ':') fail();
          at++;
        }
        value();
        space();
        if (text[at] === ',') at++;
        else if (text[at] === close) return void at++;
        else fail();
      }
    }
    if (char === '"') return string();
    if (char === 't') return literal('true');
    if (char === 'f') return literal('false');
    if (char === 'n') return literal('null');
    const number = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(at));
    if (number === null) fail();
    at += number![0].length;
  };
  try {
    value();
    space();
    if (at < text.length) fail();
  } catch (place) {
    if (typeof place !== 'number') throw place;
  }
  const before = text.slice(0, at).split('\n');
  return `line ${before.length}, column ${before[before.length - 1]!.length + 1}`;
}
