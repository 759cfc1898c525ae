/**
 * The Node.js flags rtdash's server runs with wherever this project starts the process: `npm start`, the
 * container's entrypoint, the systemd unit and the benchmarks (a test keeps them in step with this list).
 *
 * `--no-memory-reducer`: V8's memory reducer starts full mark-compact collections whenever a process allocates
 * slowly, to hand memory back to the system. A dashboard server is exactly that kind of process: it wakes for
 * each tick, keeps its widgets' histories, and sleeps again, so the reducer's collections (two or three after
 * every ordinary one) were most of the CPU a quiet server used: 0.06 to 0.11 ms per job run with them, 0.025
 * without (docs/benchmarks.md, "Job runs"). Ordinary collections still bound the heap; it stays about as large.
 * V8 reads the flag only when the process starts, so it cannot be set from inside.
 */
export const SERVER_NODE_FLAGS: readonly string[] = ['--no-memory-reducer'];
