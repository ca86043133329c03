/**
 * One configured client, whichever way it is configured (`clients` in the JSON or a line of
 * the clients file). Its own file so the clients file can make these without depending on the
 * server configuration that reads it.
 */
import type { ClientSettingsConfig } from './clientSettings.js';
import type { HttpClientConfig } from './http.js';
import type { SupervisionClientConfig } from './supervision.js';

/** How a client makes itself heard: NM1 datagrams, legacy datagrams, HTTP, or probes run by the server. */
/** `check`: a gateway check's client `<sensor>/<check>`, made by the server when the sensor first reports it. */
export type ClientKind = 'nm1' | 'legacy' | 'http' | 'probe' | 'check';

export interface ClientConfig {
  /** The sensor id (NM1) or, for a legacy client, its IP address. */
  id: string;
  kind: ClientKind;
  legacy: boolean;
  /** An NM1 sensor's key, as its slot in ServerConfig.keys; null for other kinds. */
  keySlot: number | null;
  downIntervalMs: number;
  /** Grace and schedule; null: no grace beyond the down interval, always expected. */
  settings: ClientSettingsConfig | null;
  http: HttpClientConfig | null;
  supervision: SupervisionClientConfig | null;
}

