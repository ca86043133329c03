/**
 * Monitoring the monitor: while it is healthy, the server requests `self_check_url` every
 * `self_check_interval`, so a dead-man's-switch service notices when pings stop (the
 * machine, the process or its network is gone, or the monitor is unhealthy).
 */
import type { Logger } from 'winston';
import type { SelfCheckConfig } from '../config/http.js';

export const SELF_CHECK_TIMEOUT_MS = 10_000;

export interface SelfCheckOptions {
  config: SelfCheckConfig;
  logger: Logger;
  healthy: () => Promise<boolean>;
  fetch?: typeof fetch;
}

export class SelfCheck {
  private timer: NodeJS.Timeout | null = null;
  private failing = false;
  private running: Promise<unknown> = Promise.resolve();
  pings = 0;

  constructor(private readonly options: SelfCheckOptions) {}

  start(): void {
    this.timer = setInterval(() => {
      this.running = this.once();
    }, this.options.config.intervalMs);
    this.running = this.once();
  }

  async stop(): Promise<void> {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
    await this.running;
  }

  /**
   * One unit of work: ping if healthy. Returns what it did. A failing ping is logged once
   * when it starts failing and once when it works again, not on every interval.
   */
  async once(): Promise<'pinged' | 'unhealthy' | 'failed'> {
    if (!(await this.options.healthy())) return 'unhealthy';
    const doFetch = this.options.fetch ?? fetch;
    try {
      const response = await doFetch(this.options.config.url, { signal: AbortSignal.timeout(SELF_CHECK_TIMEOUT_MS), headers: { 'User-Agent': 'netmonitor self-check' } });
      await response.arrayBuffer().catch(() => undefined);
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      if (this.failing) this.options.logger.info('self-check ping works again');
      this.failing = false;
      this.pings++;
      return 'pinged';
    } catch (error) {
      if (!this.failing) this.options.logger.warn(`self-check ping failed: ${(error as Error).message}`);
      this.failing = true;
      return 'failed';
    }
  }
}
