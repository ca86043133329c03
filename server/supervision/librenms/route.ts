/**
 * `POST /api/v1/librenms/alert`: the target of a LibreNMS alert transport. It changes what
 * LibreNMS monitors, so it takes a bearer token of its own (`librenms.alert_token_sha256`,
 * checked by the listener like the admin token, failures counted the same way). A bad or
 * incomplete payload gets 400 and changes nothing.
 */
import type { HttpRoute } from '../../http/routes.js';
import { parseAlertPayload } from './payload.js';
import type { LibrenmsSupervisor } from './supervisor.js';

export function librenmsAlertRoute(supervisor: LibrenmsSupervisor, alertTokenSha256: Buffer | null): HttpRoute {
  return {
    method: 'POST',
    pattern: '/api/v1/librenms/alert',
    access: 'token',
    token: { sha256: alertTokenSha256, setting: 'librenms.alert_token_sha256' },
    async handle(request) {
      const parsed = parseAlertPayload(request.body);
      if (!parsed.ok) return { status: 400, json: { status: 'error', message: parsed.error } };
      const result = await supervisor.alerted(parsed.device);
      if (result === 'failed') return { status: 502, json: { status: 'error', message: 'LibreNMS could not be reached; see the server log' } };
      return { status: 202, json: { status: 'ok', device_id: parsed.device.deviceId, result } };
    },
  };
}
