/** One POST to a receiver, shared by the webhook and slack notifiers: non-2xx and network errors become DeliveryErrors. */
import { messageOf } from '../../errors.js';
import { redactCredentials } from '../../secret-text.js';
import { DeliveryError } from './notifier.js';

const SNIPPET_CHARS = 300;

/**
 * POSTs `body` and resolves when the receiver answers 2xx. Messages never include the URL: a Slack
 * webhook URL is itself the secret, and these messages are logged.
 */
export async function postBody(url: string, body: string, headers: Record<string, string>, signal: AbortSignal): Promise<void> {
  let response: Response;
  try {
    // A redirect would turn the POST into a GET and drop the body; say so instead of following it.
    response = await fetch(url, { method: 'POST', body, headers, signal, redirect: 'manual' });
  } catch (err) {
    if (signal.aborted) throw signal.reason;
    const cause = err instanceof Error && err.cause !== undefined ? err.cause : err;
    throw new DeliveryError(`could not reach the receiver: ${redactCredentials(messageOf(cause))}`, { cause: err });
  }
  if (response.status >= 200 && response.status < 300) {
    // Reading the body to its end lets the connection be reused; cancelling is enough when nobody wants it.
    await response.body?.cancel().catch(() => undefined);
    return;
  }
  const snippet = await readSnippet(response);
  const status = `${response.status}${response.statusText === '' ? '' : ` ${response.statusText}`}`;
  throw new DeliveryError(`the receiver answered HTTP ${status}${snippet === '' ? '' : `: ${snippet}`}`, { status: response.status });
}

/** POSTs `value` as JSON: `postBody` for the JSON notifiers. Configured `headers` go first, so none replaces the content type. */
export function postJson(url: string, value: unknown, signal: AbortSignal, headers: Record<string, string> = {}): Promise<void> {
  return postBody(url, JSON.stringify(value), { ...headers, 'Content-Type': 'application/json', 'User-Agent': 'rtdash' }, signal);
}

/** The start of a response body, for the error message; a receiver's long HTML page must not flood the log. */
async function readSnippet(response: Response): Promise<string> {
  const reader = response.body?.getReader();
  if (reader === undefined) return '';
  const decoder = new TextDecoder();
  let text = '';
  try {
    while (text.length < SNIPPET_CHARS) {
      const { done, value } = await reader.read();
      if (done) break;
      text += decoder.decode(value, { stream: true });
    }
  } catch {
    // The body is only decoration for the message.
  } finally {
    await reader.cancel().catch(() => undefined);
  }
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > SNIPPET_CHARS ? `${flat.slice(0, SNIPPET_CHARS)}…` : flat;
}

/**
 * What the schema's URL pattern cannot say: that the URL parses, and holds no user name or password (which would be
 * logged with every failed delivery); `instead` says where credentials go for this notifier type.
 */
export function checkPostUrl(url: string, instead: string): void {
  if (!URL.canParse(url)) throw new Error(`"url" is not a valid URL: ${redactCredentials(JSON.stringify(url))}`);
  const parsed = new URL(url);
  if (parsed.username !== '' || parsed.password !== '') throw new Error(`"url" must not hold a user name or password; ${instead}`);
}
