/**
 * A part of the server that starts after the UDP socket is listening and stops before the
 * final stats line: the HTTP side, supervision and healing. Each subscribes to the event bus
 * and feeds heartbeats or failures back through NetmonitorServer's methods.
 */
export interface Extension {
  readonly name: string;
  stop(): Promise<void>;
}
