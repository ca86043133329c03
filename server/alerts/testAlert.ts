/**
 * `netmonitor test-alert --config FILE`: sends one test message through exactly the path real
 * alerts take (the same config, mailer and TLS rules), and says plainly whether it worked.
 */
import { DateTime } from 'luxon';
import { NetmonitorError } from '../../shared/errors.js';
import { loadServerConfig } from '../config/server.js';
import { fileMailer, smtpMailer } from './mailer.js';

export async function runTestAlert(configPath: string): Promise<void> {
  const config = loadServerConfig(configPath);
  const mailer = config.smtp === null ? fileMailer(config.outboxFile) : smtpMailer(config.smtp);
  const now = new Date();
  const time = DateTime.fromJSDate(now, { zone: config.alertTimezone }).toFormat('yyyy-MM-dd HH:mm:ss ZZZZ');
  try {
    await mailer.send({
      from: config.alertFrom,
      to: config.alertAddresses,
      subject: 'TEST: netmonitor alerts reach you',
      text: `netmonitor test alert sent ${time}. Down and recovery alerts will arrive the same way.`,
      messageId: `<test-${now.getTime()}@netmonitor>`,
      date: now,
    });
  } catch (error) {
    const reason = error instanceof NetmonitorError ? error.message : String(error);
    throw new NetmonitorError('ESMTP', `test alert NOT sent through ${mailer.description}: ${reason}`, { cause: error });
  } finally {
    mailer.close();
  }
  console.log(`test alert sent through ${mailer.description} to ${config.alertAddresses.join(', ')}`);
}
