/** Bounding a promise by an AbortSignal, for work (like nodemailer's) that cannot be handed a signal. */

/**
 * Settles with `promise`, or rejects with the signal's reason as soon as it aborts, whichever is first.
 * The work itself may go on in the background; its outcome is then ignored.
 * @example await abortable(transport.sendMail(mail), AbortSignal.timeout(10_000))
 */
export function abortable<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) {
    promise.catch(() => undefined);
    return Promise.reject(signal.reason);
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (err: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(err);
      },
    );
  });
}
