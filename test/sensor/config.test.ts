/** The sensor configuration's transport keys, shared by the Node sensor and the shell sensor. */
import t from 'tap';
import { validateSensorConfig } from '../../sensor/config.js';
import { thrown } from '../helpers.js';

const base = { server: 'monitor.example.net', port: 7777, id: 'home-gw', key: 'ab'.repeat(32), state_file: '/var/lib/x.json' };
const check = (extra: Record<string, unknown>) => validateSensorConfig({ ...base, ...extra }, '/etc/netmonitor/sensor.json', {});

t.test('transport is udp unless set, and then needs no http_url', async (t) => {
  t.match(check({}), { transport: 'udp', nm1Url: null, keyFile: null, stateFileSet: true });
});

t.test('http_url names the endpoint under the server address, with or without a final slash or a path', async (t) => {
  t.equal(check({ transport: 'http', http_url: 'https://monitor.example.net:8443' }).nm1Url, 'https://monitor.example.net:8443/api/v1/nm1');
  t.equal(check({ transport: 'auto', http_url: 'http://monitor.example.net/netmonitor/' }).nm1Url, 'http://monitor.example.net/netmonitor/api/v1/nm1');
});

t.test('over HTTP alone the UDP port may be left out', async (t) => {
  const { port: _port, ...noPort } = base;
  t.equal(validateSensorConfig({ ...noPort, transport: 'http', http_url: 'https://m.example.net' }, '/x.json', {}).transport, 'http');
  t.match(thrown(() => validateSensorConfig({ ...noPort, transport: 'auto', http_url: 'https://m.example.net' }, '/x.json', {})), { code: 'ECONFIG', key: 'port' });
});

t.test('bad transport settings are configuration errors that name the key', async (t) => {
  t.match(thrown(() => check({ transport: 'tcp' })), { code: 'ECONFIG', key: 'transport' });
  t.match(thrown(() => check({ transport: 'http' })), { code: 'ECONFIG', key: 'http_url' }, 'http needs the address');
  t.match(thrown(() => check({ transport: 'auto' })), { code: 'ECONFIG', key: 'http_url' }, 'so does auto, to fall back to it');
  for (const url of ['monitor.example.net', 'ftp://m.example.net', 'https://u:p@m.example.net', 'https://m.example.net/?a=1']) {
    t.match(thrown(() => check({ transport: 'http', http_url: url })), { code: 'ECONFIG', key: 'http_url' }, url);
  }
});
