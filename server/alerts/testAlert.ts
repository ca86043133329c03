/**
 * `netmonitor test-alert --config FILE [--channel NAME]`: sends one test message through
 * exactly the path real alerts take (the same config, mailer and TLS rules, the same channel
 * code), through every channel or the one named, and says plainly for each whether it worked.
 */
import { DateTime } from 'luxon';
import { NetmonitorError } from '../../shared/errors.js';
import { loadServerConfig, type ServerConfig } from '../config/server.js';
import { EMAIL } from './channels/config.js';
import { makeChannel } from './channels/index.js';
import { testMessage } from './channels/text.js';
import { fileMailer, smtpMailer } from './mailer.js';

async function sendEmail(config: ServerConfig, now: Date, text: string): Promise<string> {
  const mailer = config.smtp === null ? fileMailer(config.outboxFile) : smtpMailer(config.smtp);
  try {
    await mailer.send({
      from: config.alertFrom,
      to: config.alertAddresses,
      subject: 'TEST: netmonitor alerts reach you',
      text,
      messageId: `<test-${now.getTime()}@netmonitor>`,
      date: now,
    });
  } catch (error) {
    const reason = error instanceof NetmonitorError ? error.message : String(error);
    throw new NetmonitorError('ESMTP', `test alert NOT sent through ${mailer.description}: ${reason}`, { cause: error });
  } finally {
    mailer.close();
  }
  return `test alert sent through ${mailer.description} to ${config.alertAddresses.join(', ')}`;
}

export async function runTestAlert(configPath: string, only?: string): Promise<void> {
  const config = loadServerConfig(configPath);
  const names = [...(config.channels.email ? [EMAIL] : []), ...config.channels.push.map((c) => c.name)];
  if (only !== undefined && !names.includes(only)) throw new NetmonitorError('EUSAGE', `--channel ${only} names no channel; the channels are ${names.join(', ') || 'none'}`);
  const now = new Date();
  const time = DateTime.fromJSDate(now, { zone: config.alertTimezone }).toFormat('yyyy-MM-dd HH:mm:ss ZZZZ');
  const text = `netmonitor test alert sent ${time}. Down and recovery alerts will arrive the same way.`;
  // E-mail alone (the configuration of old): its result, or its error, as before.
  if (config.channels.push.length === 0 || only === EMAIL) {
    console.log(await sendEmail(config, now, text));
    return;
  }
  const failed: string[] = [];
  if (config.channels.email && only === undefined) {
    try {
      console.log(`${EMAIL}: ${await sendEmail(config, now, text)}`);
    } catch (error) {
      console.log(`${EMAIL}: ${(error as Error).message}`);
      failed.push(EMAIL);
    }
  }
  for (const channel of config.channels.push.filter((c) => only === undefined || c.name === only).map(makeChannel)) {
    const result = await channel.send(testMessage(now.getTime(), text));
    if (result.ok) console.log(`${channel.name}: test alert sent through ${channel.description}`);
    else {
      console.log(`${channel.name}: test alert NOT sent through ${channel.description}: ${result.answer}${result.permanent ? '' : ' (a retry may work)'}`);
      failed.push(channel.name);
    }
  }
  if (failed.length > 0) throw new NetmonitorError('ECHANNEL', `test alert NOT sent through ${failed.join(', ')}`);
}
