/**
 * `netmonitor sensor-script`: the shell sensor for gateways without Node (OpenWrt, vendor
 * busybox), as one self-contained POSIX sh script with the sensor's settings embedded.
 *
 * The script is the two shell files beside this one (hmac.sh, then sensor.sh) after the
 * settings. Every setting goes in single quotes, where sh expands nothing, so no value of the
 * configuration can become shell code; the host name is also checked to be one, since socat
 * would read a comma in it as its own options.
 */
import { readFileSync } from 'node:fs';
import { writeFileAtomic } from '../../shared/atomicFile.js';
import { ConfigError } from '../../shared/errors.js';
import { VERSION } from '../../shared/version.js';
import { loadSensorConfig, type SensorConfig } from '../config.js';

const HOST = /^[A-Za-z0-9._:-]{1,253}$/;
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;

/** `value` as one sh word that expands to exactly `value`. */
export function shellQuote(value: string): string {
  return `'${value.replaceAll("'", `'\\''`)}'`;
}

function templatePart(name: string): string {
  return readFileSync(new URL(`../../../sensor/script/${name}`, import.meta.url), 'utf8');
}

function checkedPath(path: string, key: string): string {
  if (CONTROL.test(path)) throw new ConfigError(key, 'must not hold control characters');
  return path;
}

/** The script for `config`. */
export function sensorScript(config: SensorConfig): string {
  if (!HOST.test(config.server)) throw new ConfigError('server', 'must be a host name or an IP address (letters, digits and . - _ :) for the shell sensor');
  const settings: [string, string][] = [
    ['NM_ID', config.id],
    ['NM_SERVER', config.server],
    ['NM_PORT', String(config.port)],
    ['NM_KEY', config.keyFile === null ? config.key.toString('hex') : ''],
    ['NM_KEY_FILE', config.keyFile === null ? '' : checkedPath(config.keyFile, 'key_file')],
    ['NM_INTERVAL', String(config.intervalS)],
    // Unset, the script chooses on the gateway: $STATE_DIRECTORY, else /etc/netmonitor.
    ['NM_STATE_FILE', config.stateFileSet ? checkedPath(config.stateFile, 'state_file') : ''],
    ['NM_TRANSPORT', config.transport],
    ['NM_URL', config.nm1Url === null ? '' : checkedPath(config.nm1Url, 'http_url')],
  ];
  return [
    '#!/bin/sh',
    `# netmonitor shell sensor for ${config.id}, made by \`netmonitor sensor-script\` (netmonitor ${VERSION}).`,
    '# POSIX sh: runs under busybox ash, dash and bash. Install: docs/install.md (OpenWrt).',
    config.keyFile === null ? "# It holds the sensor's key: keep it readable by root only (mode 0600)." : `# The key is read from ${config.keyFile} at every start.`,
    '',
    ...settings.map(([name, value]) => `${name}=${shellQuote(value)}`),
    '',
    templatePart('hmac.sh'),
    templatePart('sensor.sh'),
  ].join('\n');
}

/** Prints the script, or writes it to `output` with mode 0600 (it may hold the key). */
export async function runSensorScript(options: { config: string; output?: string | undefined }): Promise<void> {
  const script = sensorScript(loadSensorConfig(options.config));
  if (options.output === undefined) process.stdout.write(script);
  else await writeFileAtomic(options.output, script, 0o600);
}
