/**
 * Runs the healing plans (plan.ts) of the clients that configure `healing`: listens for
 * down/up events, checks once a second what is due, runs an attempt's steps in order and
 * records each step's result in the client's log before going on, so a restart resumes an
 * interrupted attempt without repeating a finished step. At most one attempt per client runs
 * at any time. When a plan gives up, one alert says that manual intervention is needed.
 */
import type { Logger } from 'winston';
import { iso, type LogRecord, type RecordOf } from '../../../log/records.js';
import type { DownEvent, EventConsumer, MonitorEvent } from '../../core/events.js';
import type { HealingConfig, HealingStep } from '../../config/supervision.js';
import { HealingPlan } from './plan.js';
import { readHealing } from './restore.js';
import { describeStep, runStep, type StepOutcome } from './steps.js';

export const HEALING_TICK_MS = 1000;

/** What the runner needs of the server (server/host.ts ServerHost has all of it). */
export interface HealingHost {
  logs: { append(client: string, records: readonly LogRecord[]): Promise<void>; pathOf(client: string): string };
  logger: Logger;
  clock: { now(): { mono: number; wall: number } };
  outbox: { enqueue(event: DownEvent): void };
  clientState(id: string): { status: string } | undefined;
  /** Non-null while the client is in a maintenance window (absent: never). */
  maintenanceOf?(id: string, at: number): unknown;
}

interface ClientHealing {
  id: string;
  plan: HealingPlan;
  /** The down event healing acts on (steps see it in their environment). */
  event: DownEvent | null;
  /** Steps of the attempt to resume that already finished before a restart. */
  skip: Set<number>;
  running: Promise<void> | null;
}

export class HealingRunner implements EventConsumer {
  readonly name = 'healing';
  private readonly clients = new Map<string, ClientHealing>();
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly host: HealingHost,
    configs: ReadonlyMap<string, HealingConfig>,
    private readonly run: (step: HealingStep, event: MonitorEvent) => Promise<StepOutcome> = runStep,
  ) {
    for (const [id, config] of configs) this.clients.set(id, { id, plan: new HealingPlan(config), event: null, skip: new Set(), running: null });
  }

  /** The plan of a client (for the API and tests). */
  planOf(id: string): HealingPlan | undefined {
    return this.clients.get(id)?.plan;
  }

  /** Reads each down client's healing from its log and takes it up where it was. */
  async restore(): Promise<void> {
    const now = this.host.clock.now();
    for (const client of this.clients.values()) {
      if (this.host.clientState(client.id)?.status !== 'down') continue;
      const logged = await readHealing(this.host.logs.pathOf(client.id));
      if (logged.down === null) continue;
      const { id, at, lastUp, downIntervalMs, reason } = logged.down;
      client.event = { type: 'down', client: client.id, at, lastUp, downIntervalMs, transitionId: id, ...(reason !== undefined ? { reason } : {}) };
      client.skip = logged.lastEndedAt === null ? logged.finishedSteps : new Set();
      const mono = (wall: number): number => now.mono - (now.wall - wall);
      client.plan.restore({ attempts: logged.attempts, gaveUp: logged.gaveUp, downAt: mono(at), lastEndedAt: logged.lastEndedAt === null ? null : mono(logged.lastEndedAt) });
      if (client.plan.phase === 'running') {
        this.host.logger.warn(`healing of ${client.id}: resuming attempt ${logged.attempts} after a restart (${logged.finishedSteps.size} step(s) already done)`);
        client.running = this.attempt(client, logged.attempts).finally(() => (client.running = null));
      }
    }
  }

  start(): void {
    this.timer = setInterval(() => this.tick(), HEALING_TICK_MS);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
    await Promise.all([...this.clients.values()].map((c) => c.running));
  }

  handle(event: MonitorEvent): void {
    const client = this.clients.get(event.client);
    if (client === undefined) return;
    const now = this.host.clock.now();
    if (event.type === 'down') {
      if (client.plan.phase !== 'idle') return;
      client.event = event;
      client.skip = new Set();
      client.plan.down(now.mono - (now.wall - event.at));
    } else if (event.type === 'up') {
      if (client.plan.phase !== 'idle' && client.plan.attempts > 0) {
        void this.record(client, { type: 'healing', at: iso(now.wall), phase: 'reset', down: client.event?.transitionId ?? null, attempts: client.plan.attempts });
        this.host.logger.info(`healing of ${client.id}: the client is up again after ${client.plan.attempts} attempt(s)`);
      }
      client.event = null;
      client.plan.up();
    }
  }

  /** One unit of work per client: starts what is due. Returns how many things it started. */
  tick(): number {
    let started = 0;
    const now = this.host.clock.now();
    for (const client of this.clients.values()) {
      if (client.running !== null) continue;
      // No healing in maintenance: what is due waits for the end of the window (docs/alerts.md#maintenance).
      if (client.plan.phase !== 'idle' && (this.host.maintenanceOf?.(client.id, now.wall) ?? null) !== null) continue;
      const due = client.plan.due(now.mono);
      if (due.kind === 'attempt') {
        started++;
        client.running = this.attempt(client, due.attempt).finally(() => (client.running = null));
      } else if (due.kind === 'give-up') {
        started++;
        client.running = this.giveUp(client, due.attempts).finally(() => (client.running = null));
      }
    }
    return started;
  }

  /** Runs attempt `n`'s steps in order, each recorded before the next starts. */
  private async attempt(client: ClientHealing, n: number): Promise<void> {
    const { plan } = client;
    const generation = plan.generation;
    const event = client.event!;
    const down = event.transitionId;
    const steps = plan.config.steps;
    if (client.skip.size === 0) {
      await this.record(client, { type: 'healing', at: iso(this.host.clock.now().wall), phase: 'attempt', down, attempt: n, of: plan.config.maxAttempts });
    }
    this.host.logger.warn(`healing of ${client.id}: attempt ${n} of ${plan.config.maxAttempts}`);
    for (let i = 0; i < steps.length; i++) {
      if (client.skip.has(i)) continue;
      // An up event during the attempt ends it: the remaining steps are not needed.
      if (plan.generation !== generation) return;
      const step = steps[i]!;
      const outcome = await this.run(step, event);
      const what = describeStep(step);
      await this.record(client, {
        type: 'healing', at: iso(this.host.clock.now().wall), phase: 'step', down, attempt: n, step: i, kind: step.type, what,
        ok: outcome.ok, code: outcome.code, status: outcome.status, output: outcome.output, ...(outcome.error !== null ? { error: outcome.error } : {}),
      });
      const log = outcome.ok ? this.host.logger.info.bind(this.host.logger) : this.host.logger.warn.bind(this.host.logger);
      log(`healing of ${client.id}: step ${i + 1} (${what}) ${outcome.ok ? 'ok' : `failed: ${outcome.error ?? outcome.code}`}`);
    }
    client.skip = new Set();
    if (plan.generation !== generation) return;
    const now = this.host.clock.now();
    await this.record(client, { type: 'healing', at: iso(now.wall), phase: 'attempt-end', down, attempt: n });
    plan.attemptEnded(now.mono);
  }

  private async giveUp(client: ClientHealing, attempts: number): Promise<void> {
    const now = this.host.clock.now();
    const event = client.event!;
    this.host.logger.error(`healing of ${client.id}: still down after ${attempts} attempt(s); manual intervention needed`);
    await this.record(client, { type: 'healing', at: iso(now.wall), phase: 'gave-up', down: event.transitionId, attempts });
    this.host.outbox.enqueue({
      type: 'down',
      client: client.id,
      at: now.wall,
      lastUp: event.lastUp,
      downIntervalMs: event.downIntervalMs,
      transitionId: `heal-${client.id}-${now.wall}`,
      intervention: `healing gave up after ${attempts} attempt(s)`,
    });
  }

  private async record(client: ClientHealing, record: RecordOf<'healing'>): Promise<void> {
    try {
      await this.host.logs.append(client.id, [record]);
    } catch (error) {
      this.host.logger.error(`cannot record healing of ${client.id}: ${(error as Error).message}`);
    }
  }
}
