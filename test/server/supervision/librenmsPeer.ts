/**
 * A LibreNMS API for tests on 127.0.0.1 port 0: the endpoints supervision uses, with
 * LibreNMS's answers (X-Auth-Token checked, `{"status": "ok", ...}` bodies, its error shapes)
 * and switches to make it fail.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface PeerDevice {
  device_id: number;
  hostname: string;
  ip: string;
  overwrite_ip: string | null;
  ports: { port_id: number; ifName: string; ifOperStatus: string }[];
}

export interface LibrenmsPeer {
  url: string;
  token: string;
  devices: Map<number, PeerDevice>;
  requests: { method: string; path: string; body: string; token: string | undefined }[];
  /** Answer the next `count` requests (optionally only those whose path contains `match`) with 500. */
  failNext(count: number, match?: string): void;
  close(): Promise<void>;
}

export async function startLibrenmsPeer(token = 'librenms-test-token-0123'): Promise<LibrenmsPeer> {
  const devices = new Map<number, PeerDevice>();
  const requests: LibrenmsPeer['requests'] = [];
  let failures: { count: number; match: string | undefined } = { count: 0, match: undefined };
  const send = (res: ServerResponse, status: number, body: unknown): void => {
    res.writeHead(status, { 'Content-Type': 'application/json' }).end(JSON.stringify(body));
  };
  const handle = (req: IncomingMessage, res: ServerResponse, body: string): void => {
    const url = new URL(req.url ?? '/', 'http://x');
    const path = decodeURIComponent(url.pathname);
    requests.push({ method: req.method ?? '', path: path + url.search, body, token: req.headers['x-auth-token'] as string | undefined });
    if (req.headers['x-auth-token'] !== token) return send(res, 401, { message: 'Unauthenticated.' });
    if (failures.count > 0 && (failures.match === undefined || path.includes(failures.match))) {
      failures.count--;
      return send(res, 500, { status: 'error', message: 'Server Error' });
    }
    let m: RegExpMatchArray | null;
    if ((m = /^\/api\/v0\/devices\/(\d+)$/.exec(path))) {
      const device = devices.get(Number(m[1]));
      if (device === undefined) return send(res, 404, { status: 'error', message: `Device ${m[1]} does not exist` });
      if (req.method === 'GET') return send(res, 200, { status: 'ok', devices: [{ device_id: device.device_id, hostname: device.hostname, ip: device.ip, overwrite_ip: device.overwrite_ip }], count: 1 });
      if (req.method === 'PATCH') {
        let patch: { field?: unknown; data?: unknown };
        try {
          patch = JSON.parse(body) as typeof patch;
        } catch {
          return send(res, 400, { status: 'error', message: 'Invalid JSON' });
        }
        if (patch.field !== 'overwrite_ip' || typeof patch.data !== 'string') return send(res, 400, { status: 'error', message: 'Invalid field' });
        device.overwrite_ip = patch.data;
        return send(res, 200, { status: 'ok', message: 'Device overwrite_ip field has been updated' });
      }
    }
    if ((m = /^\/api\/v0\/devices\/(\d+)\/discover$/.exec(path)) && req.method === 'GET') {
      if (!devices.has(Number(m[1]))) return send(res, 404, { status: 'error', message: `Device ${m[1]} does not exist` });
      return send(res, 200, { status: 'ok', result: { status: 0, message: 'Device will be rediscovered' } });
    }
    if ((m = /^\/api\/v0\/ports\/search\/ifName\/(.+)$/.exec(path)) && req.method === 'GET') {
      const ports = [...devices.values()].flatMap((d) => d.ports.filter((p) => p.ifName === m![1]).map((p) => ({ port_id: p.port_id, device_id: d.device_id, ifName: p.ifName })));
      if (ports.length === 0) return send(res, 404, { status: 'error', message: 'No ports found' });
      return send(res, 200, { status: 'ok', ports });
    }
    if ((m = /^\/api\/v0\/ports\/(\d+)$/.exec(path)) && req.method === 'GET') {
      for (const d of devices.values()) {
        const port = d.ports.find((p) => p.port_id === Number(m![1]));
        if (port !== undefined) return send(res, 200, { status: 'ok', port: [{ port_id: port.port_id, device_id: d.device_id, ifName: port.ifName, ifDescr: port.ifName, ifOperStatus: port.ifOperStatus, ifAdminStatus: 'up' }] });
      }
      return send(res, 404, { status: 'error', message: 'Port not found' });
    }
    send(res, 404, { status: 'error', message: 'Not found' });
  };
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => handle(req, res, body));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    token,
    devices,
    requests,
    failNext(count, match) {
      failures = { count, match };
    },
    close: () => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }),
  };
}
