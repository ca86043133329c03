/**
 * The clients of gateway checks: each check a sensor reports (a CHECK datagram) is a client
 * of its own, `<sensor>/<check>`, made when its first report is accepted. A sensor with the
 * key could otherwise make clients without end (a misconfigured one looping over names), so
 * each sensor has at most `limit` of them; reports of further checks are refused, counted
 * and logged within a budget, and change nothing.
 *
 * A check client has no key and no deadline: it cannot send datagrams itself, and it never
 * goes down from silence. While its sensor is down, what the check would say is unknown
 * (log/logName.ts shownStatus), not failed.
 */
import { CHECK_SEPARATOR } from '../../log/logName.js';
import type { ClientState } from './monitor.js';

/** What the registry needs of the server's client directory (server/intake/acceptance.ts). */
export interface CheckDirectory {
  add(id: string, downIntervalMs: number): ClientState;
  get(id: string): ClientState | undefined;
}

export const DEFAULT_MAX_CHECKS_PER_SENSOR = 32;

export class CheckClients {
  /** How many check clients each sensor has made. */
  private readonly perSensor = new Map<string, number>();

  constructor(private readonly directory: CheckDirectory, private readonly limit: number) {}

  /** The client of `sensor`'s check `check`, made now if new; null when the sensor has its `limit` already. */
  clientOf(sensor: ClientState, check: string): ClientState | null {
    const id = `${sensor.id}${CHECK_SEPARATOR}${check}`;
    const existing = this.directory.get(id);
    if (existing !== undefined) return existing;
    const count = this.perSensor.get(sensor.id) ?? 0;
    if (count >= this.limit) return null;
    this.perSensor.set(sensor.id, count + 1);
    return this.directory.add(id, sensor.downIntervalMs);
  }
}
