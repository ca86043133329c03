/**
 * The `netmonitor` command. Each subcommand imports its code only when it runs, so the sensor
 * on a small gateway never loads the server's dependencies (mail, time zones, logging).
 * Exit status: 0 done, 1 failure, 2 invalid configuration or usage, or the log folder is in
 * use by another server, 3 the machine refuses what the configuration asks (a port in use, a
 * folder the server may not write). systemd does not restart after 2 or 3.
 */
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { NetmonitorError } from '../shared/errors.js';
import { isSensorId } from '../shared/nm1.js';
import { VERSION } from '../shared/version.js';

export function exitCodeOf(error: unknown): number {
  if (!(error instanceof NetmonitorError)) return 1;
  if (error.code === 'EENV') return 3;
  return error.code === 'ECONFIG' || error.code === 'EUSAGE' || error.code === 'ELOCKED' ? 2 : 1;
}

async function main(argv: string[]): Promise<void> {
  await yargs(argv)
    .scriptName('netmonitor')
    .usage('$0 <command> [options]\n\nKnow when your internet drops: heartbeats, SMS-sized alerts, and an outage record for your ISP.')
    .command('server', 'Run the monitor that receives heartbeats and sends alerts', (y) =>
      y.option('config', { type: 'string', demandOption: true, describe: 'server config file (JSON)' }),
      async (args) => (await import('../server/command.js')).runServer(args.config))
    .command('sensor', 'Send heartbeats to a server (run on the gateway)', (y) =>
      y.option('config', { type: 'string', demandOption: true, describe: 'sensor config file (JSON)' }),
      async (args) => (await import('../sensor/main.js')).runSensor(args.config))
    .command('check', 'Run the gateway checks of a sensor config once, and their actions (for cron or a systemd timer); exit 0 all ok, 1 a check failed, 3 an action failed', (y) =>
      y.option('config', { type: 'string', demandOption: true, describe: 'sensor config file (JSON) with `checks`' })
        .option('dry-run', { type: 'boolean', default: false, describe: 'run the checks, only print the actions' }),
      async (args) => {
        process.exitCode = await (await import('../sensor/checks/main.js')).runChecksOnce(args.config, args['dry-run']);
      })
    .command('sensor-script', 'Print the shell sensor for a gateway without Node (OpenWrt, busybox), with this sensor config embedded', (y) =>
      y.option('config', { type: 'string', demandOption: true, describe: 'sensor config file (JSON)' })
        .option('output', { type: 'string', describe: 'write the script to this file (mode 0600) instead of printing it' }),
      async (args) => (await import('../sensor/script/generate.js')).runSensorScript({ config: args.config, output: args.output }))
    .command('keygen', 'Print a new sensor id and key (or, with --http, an HTTP client token; with --admin, the HTTP admin token; with --librenms, the LibreNMS alert token; with --shell, a shell sensor for a router) as config snippets', (y) =>
      y.option('id', { type: 'string', describe: 'sensor id (1-64 of A-Z a-z 0-9 . _ -)' })
        .option('server', { type: 'string', describe: "the server's host name, for the sensor snippet" })
        .option('port', { type: 'number', describe: "the server's UDP port, for the sensor snippet" })
        .option('http', { type: 'string', describe: 'make a bearer token for this HTTP client instead' })
        .option('admin', { type: 'boolean', describe: 'make the HTTP admin token (http.admin_token_sha256) instead' })
        .option('librenms', { type: 'boolean', describe: "make the token LibreNMS's alert transport sends instead" })
        .option('shell', { type: 'boolean', describe: 'a sensor for a gateway without Node: the shell sensor, and the commands that install it on OpenWrt' })
        .option('router', { type: 'string', describe: 'with --shell: ssh destination of the router (default root@192.168.1.1)' })
        .option('url', { type: 'string', describe: "with --http, --admin, --librenms or --shell: the server's HTTP address" })
        .conflicts('admin', ['http', 'librenms', 'id', 'shell']),
      async (args) => {
        if (args.admin === true) {
          process.stdout.write((await import('./keygen.js')).keygenAdmin({ url: args.url }));
          return;
        }
        if (args.librenms === true) {
          process.stdout.write((await import('./keygen.js')).keygenLibrenms({ url: args.url }));
          return;
        }
        if (args.http !== undefined) {
          if (!isSensorId(args.http)) throw new NetmonitorError('EUSAGE', '--http must name a client: 1 to 64 of the characters A-Z a-z 0-9 . _ -');
          process.stdout.write((await import('./keygen.js')).keygenHttp({ client: args.http, url: args.url }));
          return;
        }
        if (args.id !== undefined && !isSensorId(args.id)) throw new NetmonitorError('EUSAGE', '--id must be 1 to 64 of the characters A-Z a-z 0-9 . _ -');
        if (args.router !== undefined && !/^[A-Za-z0-9._@:[\]-]{1,255}$/.test(args.router)) throw new NetmonitorError('EUSAGE', '--router must be an ssh destination such as root@192.168.1.1');
        const sensor = { id: args.id, server: args.server, port: args.port };
        const keygen = await import('./keygen.js');
        process.stdout.write(args.shell === true ? keygen.keygenShell({ ...sensor, url: args.url, router: args.router }) : keygen.keygen(sensor));
      })
    .command('report [client..]', 'Report every outage in the client logs (text, json, csv or html)', (y) =>
      y.positional('client', { type: 'string', array: true, describe: 'only these clients (default: all)' })
        .option('config', { type: 'string', describe: "a server config file: its client_log_dir, alert_timezone and the clients' label and account" })
        .option('log-dir', { type: 'string', describe: 'the client log folder' })
        .option('since', { type: 'string', describe: 'start of the window: ISO 8601 date or time, or a span back from now (30d)' })
        .option('until', { type: 'string', describe: 'end of the window (default: now); a date includes that day' })
        .option('tz', { type: 'string', describe: "IANA time zone for printed times (default: the config's alert_timezone, else this machine's)" })
        .option('title', { type: 'string', describe: "a heading for the reader: the subscriber's name and address, a case number" })
        .option('format', { type: 'string', choices: ['text', 'json', 'csv', 'html', 'pdf'], default: 'text', describe: 'output format' }),
      async (args) => (await import('../report/main.js')).runReport({
        config: args.config, logDir: args['log-dir'], since: args.since, until: args.until, tz: args.tz, format: args.format, title: args.title, clients: args.client,
      }))
    .command('analyze <source>', 'Run one pass of one log_analysis source now and print its findings (one per line, or JSON lines); --dry-run prints what would be sent to the model and sends nothing', (y) =>
      y.positional('source', { type: 'string', demandOption: true, describe: 'the name of a log_analysis source' })
        .option('config', { type: 'string', demandOption: true, describe: 'server config file (JSON) with log_analysis' })
        .option('dry-run', { type: 'boolean', default: false, describe: 'print exactly what would be sent, send nothing, save nothing' })
        .option('json', { type: 'boolean', default: false, describe: 'one JSON object per finding and line' }),
      async (args) => {
        process.exitCode = await (await import('../server/analysis/command.js')).runAnalyze({ config: args.config, source: args.source!, dryRun: args['dry-run'], json: args.json });
      })
    .command('test-alert', 'Send a test message through the configured alert path and report the outcome', (y) =>
      y.option('config', { type: 'string', demandOption: true, describe: 'server config file (JSON)' })
        .option('channel', { type: 'string', describe: 'only this channel (default: every channel)' }),
      async (args) => (await import('../server/alerts/testAlert.js')).runTestAlert(args.config, args.channel))
    .command('demo', 'Watch netmonitor catch an outage on this machine, nothing to set up', (y) =>
      y.option('dir', { type: 'string', describe: 'folder for the demo files (default: a new temporary one)' })
        .option('down-seconds', { type: 'number', default: 4, describe: 'silence before the down alert' }),
      async (args) => (await import('./demo.js')).runDemo({ dir: args.dir, downSeconds: args['down-seconds'] }))
    .demandCommand(1, 'name a command; see --help')
    .strict()
    .version(VERSION)
    .help()
    .fail((message, error) => {
      if (error !== undefined && error !== null) throw error;
      console.error(`netmonitor: ${message}\nsee: netmonitor --help`);
      process.exit(2);
    })
    .parseAsync();
}

main(hideBin(process.argv)).catch((error: unknown) => {
  console.error(`netmonitor: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(exitCodeOf(error));
});
