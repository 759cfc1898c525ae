/**
 * A wall clock off by `SKEW_MS` milliseconds (negative: behind), for a child started with
 * `node --import <this file> …`: Date.now() and `new Date()` read the shifted time, as on a machine whose clock
 * drifted, while timers and performance.now() run as usual. Cluster tests start instances with different skews
 * to show that leases and ordering do not depend on instances' clocks agreeing.
 */
const skew = Number(process.env.SKEW_MS ?? 0);
if (!Number.isFinite(skew)) throw new Error(`SKEW_MS must be a number of milliseconds; got ${process.env.SKEW_MS}`);

const RealDate = Date;
const realNow = RealDate.now.bind(RealDate);
const now = () => realNow() + skew;

/** Date with the shifted "now"; any other argument list means what it always meant. */
function SkewedDate(...args) {
  // Called without `new`, Date returns the current time as a string.
  if (new.target === undefined) return new RealDate(now()).toString();
  return args.length === 0 ? new RealDate(now()) : new RealDate(...args);
}
SkewedDate.prototype = RealDate.prototype;
SkewedDate.now = now;
SkewedDate.parse = RealDate.parse;
SkewedDate.UTC = RealDate.UTC;
Object.defineProperty(SkewedDate, 'name', { value: 'Date' });
globalThis.Date = SkewedDate;
