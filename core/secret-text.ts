/**
 * Keeping secrets out of messages: the credentials part of a URL (`scheme://user:password@host`) is what most
 * often rides along in a value that a message or a log line repeats.
 */

const CREDENTIALS = /\b([a-z][a-z0-9+.-]*:\/\/)[^\s/?#@"']*@/gi;

/** Whether text holds a URL with a user name or password in it. */
export function hasCredentials(text: string): boolean {
  CREDENTIALS.lastIndex = 0;
  return CREDENTIALS.test(text);
}

/**
 * Text with every URL's `user:password@` replaced by `[redacted]@`.
 * @example redactCredentials('got "http://u:PgS3cret@db/x"') // 'got "http://[redacted]@db/x"'
 */
export function redactCredentials(text: string): string {
  return text.replace(CREDENTIALS, '$1[redacted]@');
}
