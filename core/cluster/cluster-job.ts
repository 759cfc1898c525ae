/**
 * One job's part in the cluster on this instance. The instance holding the job's lease runs it and publishes
 * each update, fenced, to the job's stream (scripts.ts PUBLISH), and its own viewers get it once the stream took
 * it, so no viewer anywhere holds a seq the cluster does not. Every other instance with viewers of
 * the job follows: it takes each published update into its own copy of the history (mirror.ts), fills a gap
 * from the stream, and relays the same bytes to its viewers. While Redis is away, every instance runs the jobs
 * its viewers need on its own (degraded: local) and comes back to the cluster's state without ever giving a
 * viewer a smaller seq than it had.
 */
import { messageOf } from '../errors.js';
import type { Job } from '../job.js';
import { updateLogDepth, type UpdateEntry } from '../widget-history.js';
import type { ClusterContext, JobPlane } from './job-plane.js';
import { applyRemote, clusterState, type RemoteEntry } from './mirror.js';
import { JOB_RETENTION_MS } from './scripts.js';
import { Shown } from './shown.js';

/** How long a subscribe waits for a job to learn its role and state before it is served what there is. */
const READY_WAIT_MS = 2000;
/** A holder writes the job's whole state for late joiners at least every this many updates. */
const SNAPSHOT_EVERY = 16;

type Role = 'pending' | 'holder' | 'follower';

export class ClusterJob implements JobPlane {
  readonly job: Job;
  role: Role = 'pending';
  /** The lease's value while this instance holds it: `<instance>|<epoch>`. */
  leaseValue: string | undefined;
  /** The last heartbeat found the lease free (the next one takes it whoever is preferred). */
  sawFree = false;
  /** Ran on its own while Redis was away, or made a run the cluster did not take: takes the cluster's state only as a whole, and only above what it gave. */
  diverged = false;
  /** What this instance's viewers were given. */
  readonly #shown = new Shown();
  readonly ready: Promise<void>;
  settled = false;
  readonly #ctx: ClusterContext;
  #resolve!: () => void;
  /** Until when (performance.now()) the lease is surely this instance's. */
  #validUntil = 0;
  #publishing: Promise<void> = Promise.resolve();
  #loading: Promise<void> | undefined;
  #loadAgain = false;
  #snapSeq = -1;
  #detached = false;
  /** When (performance.now()) an update of another holder last arrived here. */
  #relayedAt: number | undefined;
  /** Updates shown here whose publish has not ended. */
  #inflight = 0;
  /** The history holds states of this instance's own making (run while Redis was away): as holder, its next update goes out whole, since no other copy shares them. */
  #ownState = false;
  /** Just took the lease: loading what the previous holder published before the first run. */
  #syncing = false;

  constructor(job: Job, ctx: ClusterContext) {
    this.job = job;
    this.#ctx = ctx;
    this.ready = new Promise((resolve) => (this.#resolve = resolve));
    // Until it has data its seq says nothing: 0, below any seq the job's holder gives it (its own clock, on taking it).
    job.history.seq = job.history.firstSeq = 0;
    setTimeout(() => this.#settle(), READY_WAIT_MS).unref();
  }

  get key(): string {
    return this.job.key;
  }

  get runsHere(): boolean {
    return this.#ctx.degraded || (this.role === 'holder' && !this.#syncing && performance.now() < this.#validUntil);
  }

  /** Set to give the job to the instance its wanters prefer at the next heartbeat. */
  giveUp = false;

  /** What the next heartbeat asks for this job (scripts.ts HEARTBEAT). */
  get mode(): 'h' | 'g' | 'p' | 'a' | 'r' {
    if (this.#detached) return 'r';
    // Given up only with nothing shown here still on its way to the stream.
    if (this.role === 'holder') return this.giveUp && this.#inflight === 0 ? 'g' : 'h';
    return this.sawFree ? 'a' : 'p';
  }

  detach(): void {
    if (this.#detached) return;
    this.#detached = true;
    this.role = 'pending';
    this.#settle();
    this.#ctx.detach(this);
  }

  /** The heartbeat's answer for this job, sent when `sentAt` (performance.now()). */
  heartbeat(answer: string, sentAt: number): void {
    if (this.#detached) return;
    this.giveUp = false;
    const [state, instance, epoch] = answer.split('|');
    if (state === 'gave') return this.handOver();
    const value = `${instance}|${epoch}`;
    this.sawFree = state === 'free';
    if (state === 'took' || state === 'held') {
      const taken = this.role !== 'holder' || this.leaseValue !== value;
      this.#validUntil = sentAt + this.#ctx.ttlMs - Math.ceil(this.#ctx.ttlMs / 10);
      if (!taken) return;
      this.role = 'holder';
      this.leaseValue = value;
      this.#ctx.metrics.leasesTaken.inc();
      this.#ctx.logger.info({ job: this.key, epoch: Number(epoch) }, 'took the lease of a job');
      // It runs only once it holds everything the previous holder published: its first update follows on from that.
      this.#syncing = true;
      this.load();
      return;
    }
    if (this.role === 'holder') this.#lose(state === 'other' ? 'another instance holds it' : 'it ran out before it was renewed');
    else if (this.role === 'pending') {
      this.role = 'follower';
      this.load();
    }
  }

  /** This instance lets go of the job (it goes to the instance its wanters prefer): it follows from now on, in step. */
  handOver(): void {
    if (this.role !== 'holder') return;
    this.role = 'follower';
    this.leaseValue = undefined;
    this.#validUntil = 0;
    this.#ctx.logger.info({ job: this.key }, 'handed a job over to the instance preferred for it');
  }

  /** Redis did not answer for longer than a lease: nothing held is surely held any more, and the job runs here. */
  lapse(): void {
    this.#validUntil = 0;
    this.#ownState = true;
    this.#newLife();
    if (this.role === 'pending') this.role = 'follower';
    this.#settle();
  }

  /** Redis answers again after this instance ran the job on its own. */
  rejoin(): void {
    if (this.role === 'holder') return;
    this.diverged = true;
    this.load();
  }

  #lose(reason: string): void {
    this.role = 'follower';
    this.leaseValue = undefined;
    this.#validUntil = 0;
    this.#ctx.metrics.leasesLost.inc({ reason: reason.startsWith('another') ? 'taken' : 'expired' });
    this.#ctx.logger.warn({ job: this.key, reason }, 'lost the lease of a job');
    this.#reload();
  }

  /** A job run here with no state from the cluster starts a new life: seqs from the clock, above an earlier life's. */
  #newLife(): void {
    const history = this.job.history;
    if (history.seq === 0) history.seq = history.firstSeq = Date.now();
  }

  #settle(): void {
    if (this.settled) return;
    this.settled = true;
    this.#resolve();
  }

  /**
   * Gives this instance's viewers an update: a change only right after the last one they got, else the job's whole
   * state (some updates never reached them: unpublished, or made while Redis was away); nothing they have already.
   */
  #deliver(entry: UpdateEntry): void {
    const last = this.#shown.seq;
    if (last !== undefined && entry.seq <= last) return;
    if (last !== undefined && !entry.full && (entry.seq !== last + 1 || this.#shown.own)) entry = this.job.history.wholeEntry();
    this.#shown.given(entry.seq, this.#ctx.degraded);
    this.job.deliver(entry);
  }

  /** The highest seq this instance's viewers were given. */
  get delivered(): number | undefined {
    return this.#shown.seq;
  }

  /**
   * Settles once this instance's viewers have been given `seq` (or after `timeoutMs`): a viewer that comes from an
   * instance which was ahead (its holder, killed right after publishing) waits for the relay rather than being
   * sent an older state and then the updates it has again.
   */
  whenShown(seq: number, timeoutMs: number): Promise<void> {
    return this.#shown.when(seq, timeoutMs);
  }

  /** The seq of the state this instance's viewers have been given (the history may be one update ahead, on its way to the stream). */
  get shownSeq(): number {
    return this.delivered ?? this.job.history.seq;
  }

  /**
   * The stream takes an update first, and this instance's viewers get it once it did: no viewer anywhere holds a
   * seq the cluster does not, so a holder cut off from Redis never shows what the next holder could contradict.
   * While Redis is away (degraded: local) it is shown at once.
   */
  publish(entry: UpdateEntry): void {
    if (this.#ctx.degraded) return this.#deliver(entry);
    const value = this.role === 'holder' ? this.leaseValue : undefined;
    this.#inflight++;
    this.#publishing = this.#publishing.then(() => this.#publish(entry, value)).finally(() => this.#inflight--);
  }

  /** Settles once every update handed to `publish` so far was published and shown, or dropped. */
  whenIdle(): Promise<void> {
    return this.#publishing;
  }

  /** Whether no update is on its way to the stream. */
  get idle(): boolean {
    return this.#inflight === 0;
  }

  async #publish(entry: UpdateEntry, value: string | undefined): Promise<void> {
    if (this.#ctx.degraded) return this.#deliver(entry);
    if (value === undefined) {
      // A run that ended after the lease went: its change to the history here is undone by the cluster's state.
      this.#reload();
      return this.#loaded();
    }
    // Already part of a whole state that went out instead.
    if ((this.delivered !== undefined && entry.seq <= this.delivered) || entry.seq > this.job.history.seq) return;
    if (this.#ownState && !entry.full) {
      // No other copy holds this instance's last states: the next seq is the whole state (the runs since the last
      // state its viewers were given, all of them unpublished, go out in it).
      const shown = this.delivered ?? 0;
      entry = this.job.history.restamp(shown > 0 ? shown + 1 : this.job.history.seq, shown);
    }
    try {
      let answer = await this.#write(entry, value);
      if (answer[0] === -1) {
        // The stream cannot take this as the next change (lost in a Redis restart, or the job's viewers elsewhere
        // hold larger seqs): the whole state goes out above everything they hold.
        entry = this.job.history.restamp(Math.max(this.job.history.seq, answer[1] ?? 0) + 1, this.delivered ?? 0);
        answer = await this.#write(entry, value);
      }
      if (answer[0] === 1) {
        if (entry.full) this.#ownState = false;
        this.#ctx.metrics.publishes.inc();
        this.#ctx.publishFailed(undefined);
        this.#deliver(entry);
      } else if (answer[0] === 0) {
        this.#ctx.metrics.fencedWrites.inc();
        this.#ctx.logger.warn({ job: this.key, epoch: Number(value.split('|')[1]) }, 'write refused: another instance holds the job');
        // Losing the lease loads the cluster's state already.
        if (this.role === 'holder' && this.leaseValue === value) this.#lose('another instance holds it');
        else this.#reload();
        await this.#loaded();
      }
    } catch (err) {
      // Unknown whether Redis took it: shown to nobody. The next update that goes through reaches the viewers here as
      // the whole state (#deliver), and the stream too when this one did not land (the script says it is not in step).
      this.#ctx.publishFailed(this.key, err);
    }
  }

  /** The history here holds a run the cluster did not take and nobody was shown: the cluster's state is to replace it. */
  #reload(): void {
    this.diverged = true;
    this.load();
  }

  /**
   * Settles once no load is running: a publish that waits for it keeps a viewer subscribing meanwhile waiting too
   * (see `whenIdle`), so that nobody here is given the run the cluster's state replaces.
   */
  async #loaded(): Promise<void> {
    while (this.#loading !== undefined) await this.#loading;
  }

  async #write(entry: UpdateEntry, value: string): Promise<[number, number?]> {
    const history = this.job.history;
    // The snapshot is the state this entry leads to: none while the history is already a run further on.
    const due = entry.full || entry.seq - this.#snapSeq >= SNAPSHOT_EVERY || this.#snapSeq < 0;
    const snapshot = due && history.seq === entry.seq ? history.snapshot().slice(history.head.length) : '';
    const maxlen = updateLogDepth(this.job.widget.keep, this.job.intervalMs);
    const answer = await this.#ctx.publish([this.key, value, String(entry.seq), String(entry.at), entry.full ? '1' : '0', entry.body, snapshot, String(maxlen), String(JOB_RETENTION_MS)]);
    if (answer[0] === 1 && snapshot !== '') this.#snapSeq = entry.seq;
    return answer;
  }

  /** An update published by the holder. */
  remote(entry: RemoteEntry, now: number): void {
    if (this.role === 'holder' || this.#detached) return;
    this.#relayedAt = performance.now();
    if (!this.diverged && this.#loading === undefined) {
      // A change is dated by this instance's clock when it arrives (a few ms after the holder's result), so that
      // a holder whose clock is off does not make fresh data look old, or from the future, to viewers here.
      const local = applyRemote(this.job.history, entry.full ? entry : { ...entry, at: now });
      if (local !== undefined) {
        this.#ctx.metrics.relayed.inc();
        this.#ctx.metrics.relayLag.observe(Math.max(0, now - entry.at) / 1000);
        this.job.latest = this.job.history.status === 'ok' ? this.job.history.frame : this.job.latest;
        this.#deliver(local);
        return;
      }
    }
    if (entry.seq > this.job.history.seq || this.diverged) this.load();
  }

  /**
   * Loads the job's state from the cluster (its snapshot and stream); again after the one running, if asked
   * meanwhile. A holder that just took the lease runs once it is done.
   */
  load(): void {
    if (this.#loading !== undefined) {
      this.#loadAgain = true;
      return;
    }
    this.#loading = this.#load()
      .catch((err: unknown) => this.#ctx.logger.warn({ job: this.key, err: messageOf(err) }, 'could not load a job from the cluster'))
      .finally(() => {
        this.#loading = undefined;
        if (!this.#loadAgain) this.#synced();
        this.#settle();
        if (this.#loadAgain) {
          this.#loadAgain = false;
          this.load();
        }
      });
  }

  /** The holder holds what was published before it: it runs now if its first viewer is waiting for data. */
  #synced(): void {
    if (!this.#syncing) return;
    this.#syncing = false;
    this.diverged = false;
    this.#newLife();
    if (this.role !== 'holder' || this.job.listeners.size === 0) return;
    // Its first viewer is waiting for data, or the previous holder died and missed a tick: run now, not at the next.
    const missed = this.#relayedAt !== undefined && performance.now() - this.#relayedAt >= this.job.intervalMs;
    if (this.job.history.status === 'pending' || missed) this.job.tick();
  }

  async #load(): Promise<void> {
    const { redis, keys } = this.#ctx;
    const [snap, stream] = await Promise.all([redis.get(keys.snap(this.key)), redis.xrange(keys.log(this.key), '-', '+')]);
    if ((this.role === 'holder' && !this.#syncing) || this.#detached) return;
    const history = this.job.history;
    const found = clusterState(history, this.job.widget.keep, snap, stream);
    if (found === undefined) return;
    const shown = this.delivered;
    // Its viewers are ahead (they were given states of its own): wait for more. Equal, with a run here nobody was
    // shown on top: the cluster's state replaces that run.
    if (shown !== undefined && (found.state.seq < shown || (found.state.seq === shown && history.seq === shown))) return;
    history.load(found.state, found.log);
    this.diverged = this.#ownState = false;
    if (history.status === 'ok') this.job.latest = history.frame;
    this.#deliver(history.wholeEntry());
  }
}

