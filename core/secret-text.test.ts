import { expect } from 'chai';
import { redactCredentials } from './secret-text.js';

describe('secret text', () => {
  it('redacts the user:password of URLs in any text', () => {
    expect(redactCredentials('https://hooks.example.com/x?a=b@c')).to.equal('https://hooks.example.com/x?a=b@c');
    expect(redactCredentials('got "postgres://u:PgS3cret@db/x" and redis://:pw@r:6379')).to.equal('got "postgres://[redacted]@db/x" and redis://[redacted]@r:6379');
    expect(redactCredentials('mailto:ops@example.com stays')).to.equal('mailto:ops@example.com stays');
  });
});
