import { expect } from 'chai';
import { notificationGroup } from '../notification.js';
import { emailNotifier } from './email.js';
import { sampleNotification, smtpReceiver, type SmtpReceiver } from './testing.js';

describe('email notifier', () => {
  let smtp: SmtpReceiver;
  beforeEach(async () => {
    smtp = await smtpReceiver();
  });
  afterEach(async () => {
    await smtp.close();
  });

  const notifier = () =>
    emailNotifier('ops-mail', { smtp: { host: '127.0.0.1', port: smtp.port, secure: false }, from: 'rtdash <alerts@example.com>', to: ['ops@example.com', 'oncall@example.com'] }, { timeoutMs: 5000 });

  it('sends one mail with a subject, a text part and an HTML part', async () => {
    const firing = sampleNotification();
    const resolved = sampleNotification({ labels: { host: 'b' }, status: 'resolved', summary: 'CPU back to normal on b', endsAt: '2024-05-01T10:05:00.000Z', value: 40 });
    const group = notificationGroup('cpu-high', [firing, resolved]);
    await notifier().send(group, AbortSignal.timeout(5000));
    expect(smtp.mails).to.have.length(1);
    const [mail] = smtp.mails as [(typeof smtp.mails)[0]];
    expect(mail.from).to.equal('alerts@example.com');
    expect(mail.to).to.deep.equal(['ops@example.com', 'oncall@example.com']);
    expect(mail.subject).to.equal('[FIRING] cpu-high — CPU above 90% on a (+1 more)');
    expect(mail.headers['x-rtdash-delivery']).to.equal(group.id);
    // The sender's domain in the Message-ID (RFC 5322), and marked automatic (RFC 3834) so no responder answers it.
    expect(mail.headers['message-id']).to.equal(`<${group.id}.ops-mail@example.com>`);
    expect(mail.headers['auto-submitted']).to.equal('auto-generated');
    expect(mail.text).to.include('[FIRING] CPU above 90% on a');
    expect(mail.text).to.include('value 93.2; host=a; severity critical');
    expect(mail.text).to.include('[RESOLVED] CPU back to normal on b');
    expect(mail.text).to.include('until 2024-05-01T10:05:00.000Z');
    expect(mail.html).to.include('<h3>CPU above 90% on a</h3>');
    expect(mail.html).to.include('<td>host=b</td>');
  });

  it('escapes every value in the HTML part', async () => {
    const evil = sampleNotification({ summary: '<script>alert("x")</script> & co', labels: { host: '<img src=x onerror=alert(1)>' }, description: "it's <b>bold</b>" });
    await notifier().send(notificationGroup('cpu-high', [evil]), AbortSignal.timeout(5000));
    const [mail] = smtp.mails as [(typeof smtp.mails)[0]];
    expect(mail.html).to.not.include('<script>');
    expect(mail.html).to.not.include('<img');
    expect(mail.html).to.not.include('<b>bold');
    expect(mail.html).to.include('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; co');
    expect(mail.html).to.include('host=&lt;img src=x onerror=alert(1)&gt;');
    expect(mail.html).to.include('it&#39;s &lt;b&gt;bold&lt;/b&gt;');
    // The text part is plain text: it stays as written.
    expect(mail.text).to.include('<script>alert("x")</script> & co');
    expect(mail.subject).to.equal('[FIRING] cpu-high — <script>alert("x")</script> & co');
  });

  it('fails when no SMTP server listens', async () => {
    const port = smtp.port;
    await smtp.close();
    const down = emailNotifier('ops-mail', { smtp: { host: '127.0.0.1', port, secure: false }, from: 'a@example.com', to: ['b@example.com'] }, { timeoutMs: 2000 });
    let error: unknown;
    await down.send(notificationGroup('cpu-high', [sampleNotification()]), AbortSignal.timeout(5000)).catch((err: unknown) => (error = err));
    expect(String(error)).to.match(/ECONNREFUSED/);
    smtp = await smtpReceiver();
  });
});
