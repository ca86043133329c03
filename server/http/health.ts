/**
 * The monitor's own health, for GET /api/v1/health and the self-check ping. The decision is
 * pure (healthVerdict); HealthSampler gathers its inputs: when a heartbeat was last accepted
 * and when the log folder last failed.
 *
 * Healthy means: heartbeats are arriving (or none is expected: no client is in its window,
 * or the server started less than the longest down interval ago) and the log folder is
 * writable. Alert delivery problems are reported but do not make the monitor unhealthy: the
 * outbox keeps the alerts and retries.
 */
import { access, constants } from 'node:fs/promises';
import { isOpen } from '../core/schedule.js';
import type { ServerHost } from '../host.js';

export interface HealthInputs {
  /** Monotonic ms now, at start, and at the last change of the accepted count (null: none since start). */
  now: number;
  startedAt: number;
  lastAcceptedAt: number | null;
  /** The longest down interval of any client (how long silence may be normal). */
  longestIntervalMs: number;
  /** True when some client is inside its schedule's window now. */
  anyClientExpected: boolean;
  logsWritable: boolean;
  outboxDepth: number;
  lastSmtpError: string | null;
}

export interface Health {
  healthy: boolean;
  receiving: boolean;
  logsWritable: boolean;
}

export function healthVerdict(inputs: HealthInputs): Health {
  const since = inputs.lastAcceptedAt ?? inputs.startedAt;
  const receiving = !inputs.anyClientExpected || inputs.now - since <= inputs.longestIntervalMs;
  return { healthy: receiving && inputs.logsWritable, receiving, logsWritable: inputs.logsWritable };
}

export class HealthSampler {
  private readonly startedAt: number;
  private lastAccepted = 0;
  private lastAcceptedAt: number | null = null;
  private lastLogErrors = 0;
  private logErrorAt: number | null = null;

  constructor(private readonly server: ServerHost) {
    this.startedAt = server.clock.now().mono;
    this.lastAccepted = server.stats().accepted;
    this.lastLogErrors = server.stats().log_errors;
  }

  /** Notes changes in the server's counters; cheap, called on every health read and periodically. */
  sample(): void {
    const now = this.server.clock.now().mono;
    const stats = this.server.stats();
    if (stats.accepted !== this.lastAccepted) {
      this.lastAccepted = stats.accepted;
      this.lastAcceptedAt = now;
    }
    if (stats.log_errors !== this.lastLogErrors) {
      this.lastLogErrors = stats.log_errors;
      this.logErrorAt = now;
    }
  }

  async inputs(): Promise<HealthInputs> {
    this.sample();
    const now = this.server.clock.now();
    let longestIntervalMs = 0;
    let anyClientExpected = false;
    for (const state of this.server.eachClientState()) {
      longestIntervalMs = Math.max(longestIntervalMs, state.downIntervalMs);
      anyClientExpected ||= isOpen(state.schedule, now.wall);
    }
    const dirWritable = await access(this.server.config.clientLogDir, constants.W_OK).then(() => true, () => false);
    // A log write that failed in the last minute counts too (a full disk passes access()).
    const recentLogError = this.logErrorAt !== null && now.mono - this.logErrorAt < 60_000;
    return {
      now: now.mono,
      startedAt: this.startedAt,
      lastAcceptedAt: this.lastAcceptedAt,
      longestIntervalMs,
      anyClientExpected,
      logsWritable: dirWritable && !recentLogError,
      outboxDepth: this.server.outbox.depth,
      lastSmtpError: this.server.outbox.lastError,
    };
  }

  async report(): Promise<{ health: Health; json: Record<string, unknown> }> {
    const inputs = await this.inputs();
    const health = healthVerdict(inputs);
    const stats = this.server.stats();
    return {
      health,
      json: {
        status: health.healthy ? 'ok' : 'failing',
        receiving: health.receiving,
        last_accepted_s_ago: inputs.lastAcceptedAt === null ? null : Math.round((inputs.now - inputs.lastAcceptedAt) / 1000),
        logs_writable: health.logsWritable,
        alert_outbox_depth: inputs.outboxDepth,
        last_smtp_error: inputs.lastSmtpError,
        clients: stats.clients,
      },
    };
  }
}
