/**
 * The few LibreNMS API calls supervision needs (LibreNMS API v0). Every request and answer is
 * logged without the token. A call that fails (network, timeout, non-2xx, `status` not "ok")
 * throws LibrenmsError with what LibreNMS said.
 */
import type { Logger } from 'winston';

export class LibrenmsError extends Error {
  constructor(message: string, readonly httpStatus: number | null) {
    super(message);
    this.name = 'LibrenmsError';
  }
}

export interface DeviceInfo {
  ip: string | null;
  overwriteIp: string | null;
  hostname: string | null;
}

export class LibrenmsApi {
  constructor(private readonly options: { url: string; token: string; timeoutMs: number; logger: Logger }) {}

  async request(method: 'GET' | 'PATCH', path: string, body?: unknown): Promise<Record<string, unknown>> {
    const { url, token, timeoutMs, logger } = this.options;
    const text = body === undefined ? undefined : JSON.stringify(body);
    logger.info(`librenms -> ${method} ${path}${text === undefined ? '' : ` ${text}`} (X-Auth-Token: [redacted])`);
    let response: Response;
    try {
      response = await fetch(url + path, {
        method,
        headers: { 'X-Auth-Token': token, Accept: 'application/json', ...(text !== undefined ? { 'Content-Type': 'application/json' } : {}) },
        ...(text !== undefined ? { body: text } : {}),
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (error) {
      const cause = (error as { cause?: NodeJS.ErrnoException }).cause;
      const why = (error as Error).name === 'TimeoutError' ? `no answer within ${timeoutMs} ms` : cause?.code ?? (error as Error).message;
      logger.warn(`librenms <- ${method} ${path}: ${why}`);
      throw new LibrenmsError(`${method} ${path}: ${why}`, null);
    }
    const answer = (await response.text()).split(token).join('[redacted]');
    logger.info(`librenms <- ${response.status} ${answer.length > 500 ? `${answer.slice(0, 500)}…` : answer}`);
    let json: Record<string, unknown> = {};
    try {
      json = JSON.parse(answer) as Record<string, unknown>;
    } catch {
      /* a non-JSON answer is judged by its status below */
    }
    if (!response.ok || json.status !== 'ok') {
      const message = typeof json.message === 'string' ? json.message : `HTTP ${response.status}`;
      throw new LibrenmsError(`${method} ${path}: ${message}`, response.status);
    }
    return json;
  }

  async device(deviceId: number): Promise<DeviceInfo> {
    const json = await this.request('GET', `/api/v0/devices/${deviceId}`);
    const device = Array.isArray(json.devices) ? (json.devices[0] as Record<string, unknown> | undefined) : undefined;
    const str = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);
    return { ip: str(device?.ip), overwriteIp: str(device?.overwrite_ip), hostname: str(device?.hostname) };
  }

  async setOverwriteIp(deviceId: number, ip: string): Promise<void> {
    await this.request('PATCH', `/api/v0/devices/${deviceId}`, { field: 'overwrite_ip', data: ip });
  }

  async discover(deviceId: number): Promise<void> {
    await this.request('GET', `/api/v0/devices/${deviceId}/discover`);
  }

  /** The port of `deviceId` named `ifName`; the search covers every device, so it is filtered here. */
  async findPort(deviceId: number, ifName: string): Promise<number> {
    const json = await this.request('GET', `/api/v0/ports/search/ifName/${encodeURIComponent(ifName)}?columns=port_id,device_id,ifName`);
    const ports = Array.isArray(json.ports) ? (json.ports as Record<string, unknown>[]) : [];
    const port = ports.find((p) => Number(p.device_id) === deviceId && p.ifName === ifName);
    if (port === undefined) throw new LibrenmsError(`device ${deviceId} has no port named ${JSON.stringify(ifName)}`, null);
    return Number(port.port_id);
  }

  async portStatus(portId: number): Promise<string> {
    const json = await this.request('GET', `/api/v0/ports/${portId}`);
    const port = Array.isArray(json.port) ? (json.port[0] as Record<string, unknown> | undefined) : undefined;
    return typeof port?.ifOperStatus === 'string' ? port.ifOperStatus : 'unknown';
  }
}
