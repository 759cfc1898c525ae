/**
 * How a webhook receiver answers when a test takes it down and brings it back: while down it drops every request
 * without an answer (the sender sees the connection reset, as with a receiver that crashed), and only the requests
 * it answered count as received. Give `answer` to one `httpReceiver` (or to `alertProject`).
 */
import type { Answer, HttpReceiver, ReceivedRequest } from '../../core/alerts/notifiers/testing.js';

/** A notification as a webhook receives it. */
export interface ReceivedNotification {
  id: string;
  rule: string;
  status: string;
  labels: Record<string, string>;
}

/** The switch of one receiver. */
export interface ReceiverSwitch {
  answer: Answer;
  /** Whether the receiver answers (200) now. */
  up: boolean;
  /** The requests it answered, in order. */
  accepted(receiver: HttpReceiver): ReceivedRequest[];
  /** Each notification it answered, in order. */
  notifications(receiver: HttpReceiver): ReceivedNotification[];
}

/** A switch, up unless told otherwise. */
export function receiverSwitch(up = true): ReceiverSwitch {
  const answered: boolean[] = [];
  const sw: ReceiverSwitch = {
    up,
    answer(n, res) {
      answered[n - 1] = sw.up;
      if (sw.up) res.end('ok');
      else res.destroy();
    },
    accepted: (receiver) => receiver.requests.filter((_r, i) => answered[i] === true),
    notifications: (receiver) => sw.accepted(receiver).flatMap((r) => (JSON.parse(r.body) as { notifications: ReceivedNotification[] }).notifications),
  };
  return sw;
}
