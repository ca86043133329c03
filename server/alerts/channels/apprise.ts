/**
 * Apprise: Debian's `apprise` command, for the many services netmonitor has no native channel
 * for. Run by argv, never through a shell: `apprise -n TYPE -t TITLE -b BODY URL…`, with the
 * user's own apprise configuration files ignored (`--config` pointing at nothing), so what is
 * sent depends only on netmonitor's config. Exit 0: accepted; 2 (bad arguments), 3 (nothing
 * to notify) and a URL apprise cannot parse are permanent; 1 (a service failed) and anything
 * else transient. Apprise does not say why a service failed, so a provider's refusal is
 * retried too, at the capped pace.
 * The URLs hold tokens: they are redacted from the command's output before it is recorded.
 */
import { execFile } from 'node:child_process';
import { redact, type Channel, type PushMessage, type SendResult } from './types.js';

export interface AppriseConfig {
  type: 'apprise';
  urls: string[];
  command: string;
  timeoutMs: number;
}

const OUTPUT_CHARS = 300;

export function appriseArgs(config: AppriseConfig, message: PushMessage): string[] {
  const type = message.kind === 'up' || message.kind === 'test' ? (message.kind === 'up' ? 'success' : 'info') : 'failure';
  return ['--config', '/dev/null', '-n', type, '-t', message.title, '-b', message.body, '--', ...config.urls];
}

export function appriseChannel(name: string, config: AppriseConfig, description: string): Channel {
  const secrets = config.urls.flatMap((url) => [url, ...url.replace(/^[a-z]+:\/\//i, '').split(/[/@?&=:]/)]);
  return {
    name,
    type: 'apprise',
    description,
    send(message: PushMessage): Promise<SendResult> {
      return new Promise((resolve) => {
        execFile(config.command, appriseArgs(config, message), { timeout: config.timeoutMs, killSignal: 'SIGKILL', maxBuffer: 1024 * 1024 }, (error, stdout, stderr) => {
          if (error === null) return resolve({ ok: true });
          const output = redact(`${stderr}${stdout}`.replace(/\s+/g, ' ').trim(), secrets).slice(-OUTPUT_CHARS);
          const e = error as NodeJS.ErrnoException & { code?: number | string; killed?: boolean };
          if (e.killed === true) return resolve({ ok: false, permanent: false, answer: `apprise gave no answer within ${config.timeoutMs / 1000}s`, retryAfterMs: null });
          if (typeof e.code === 'string') return resolve({ ok: false, permanent: false, answer: `cannot run ${config.command}: ${e.code}`, retryAfterMs: null });
          // Apprise 1.2 exits 1 for a URL it cannot parse as for a failed send; its words tell them apart.
          const permanent = e.code === 2 || e.code === 3 || /Unparseable URL|no service\(s\) to notify/.test(output);
          resolve({ ok: false, permanent, answer: `apprise exit ${String(e.code)}${output === '' ? '' : `: ${output}`}`, retryAfterMs: null });
        });
      });
    },
  };
}
