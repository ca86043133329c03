/**
 * `POST /api/v1/librenms/alert`: the target of a LibreNMS alert transport. A bad or
 * incomplete payload gets 400 and changes nothing.
 */
import type { HttpRoute } from '../../http/routes.js';
import { parseAlertPayload } from './payload.js';
import type { LibrenmsSupervisor } from './supervisor.js';

export function librenmsAlertRoute(supervisor: LibrenmsSupervisor): HttpRoute {
  return {
    method: 'POST',
    pattern: '/api/v1/librenms/alert',
    access: 'public',
    async handle(request) {
      const parsed = parseAlertPayload(request.body);
      if (!parsed.ok) return { status: 400, json: { status: 'error', message: parsed.error } };
      const result = await supervisor.alerted(parsed.device);
      if (result === 'failed') return { status: 502, json: { status: 'error', message: 'LibreNMS could not be reached; see the server log' } };
      return { status: 202, json: { status: 'ok', device_id: parsed.device.deviceId, result } };
    },
  };
}
