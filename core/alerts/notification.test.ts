import { expect } from 'chai';
import { groupId, notificationGroup, notificationId } from './notification.js';
import { sampleNotification } from './notifiers/testing.js';

describe('notification ids', () => {
  const key = { rule: 'cpu-high', labels: { host: 'a', region: 'eu' }, status: 'firing' as const, at: '2024-05-01T10:00:00Z', repeat: 0 };

  it('gives one transition the same id however its time and labels are written', () => {
    expect(notificationId({ ...key, labels: { region: 'eu', host: 'a' } })).to.equal(notificationId(key));
    expect(notificationId({ ...key, at: Date.parse('2024-05-01T10:00:00.000Z') })).to.equal(notificationId(key));
  });

  it('gives other transitions, series, repeats and rules other ids', () => {
    const ids = [
      key,
      { ...key, status: 'resolved' as const },
      { ...key, at: '2024-05-01T10:00:01Z' },
      { ...key, repeat: 1 },
      { ...key, labels: { host: 'b', region: 'eu' } },
      { ...key, rule: 'cpu-low' },
      { ...key, dashboard: 'ops' },
    ].map(notificationId);
    expect(new Set(ids).size).to.equal(ids.length);
  });

  it('groups one rule\'s notifications: firing when any fires, with an id independent of their order', () => {
    const a = sampleNotification();
    const b = sampleNotification({ labels: { host: 'b' }, status: 'resolved', endsAt: '2024-05-01T10:05:00.000Z' });
    expect(notificationGroup('cpu-high', [a, b]).status).to.equal('firing');
    expect(notificationGroup('cpu-high', [b]).status).to.equal('resolved');
    expect(groupId([a, b])).to.equal(groupId([b, a]));
    expect(groupId([a])).to.not.equal(groupId([a, b]));
  });
});
