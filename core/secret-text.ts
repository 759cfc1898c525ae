/**
 * Keeping secrets out of messages: the credentials part of a URL (`scheme://user:password@host`) is what most
 * often rides along in a value that a message or a log line repeats.
 */

const CREDENTIALS = /\b([a-z][a-z0-9+.-]*:\/\/)[^\s/?#@"']*@/gi;

/**
 * Text with every URL's `user:password@` replaced by `[redacted]@`.
 * @example redactCredentials('got "http://u:PgS3cret@db/x"') // 'got "http://[redacted]@db/x"'
 */
export function redactCredentials(text: string): string {
  return text.replace(CREDENTIALS, '$1[redacted]@');
}
