/**
 * A parser for the Prometheus text exposition format (version 0.0.4, and the OpenMetrics text that is close
 * to it): comments, HELP and TYPE lines, samples with labels (escaped quotes, backslashes and newlines in
 * values), NaN and ±Inf values, optional timestamps. Small enough to own; a package would be a new dependency.
 * See https://prometheus.io/docs/instrumenting/exposition_formats/.
 */

/** One sample: a metric name, its labels, a value and perhaps a timestamp. */
export interface PromSample {
  name: string;
  /** Label names to values, in the order they were written. */
  labels: Map<string, string>;
  /** May be NaN or ±Infinity. */
  value: number;
  /** Epoch milliseconds, when the line carries a timestamp. */
  timestampMs: number | undefined;
}

/** What HELP and TYPE lines say about a metric family. */
export interface PromMetadata {
  help?: string;
  type?: string;
}

/** A parsed exposition. */
export interface PromExposition {
  samples: PromSample[];
  /** By metric family name. */
  metadata: Map<string, PromMetadata>;
  /** The lines skipped as malformed, each as `line N: what was expected, found …`. */
  problems: string[];
}

/** How to read timestamps: milliseconds in the Prometheus format, seconds in OpenMetrics. */
export interface PromParseOptions {
  timestampsInSeconds?: boolean;
}

const METRIC_START = /[A-Za-z_:]/;
const METRIC_CHAR = /[A-Za-z0-9_:]/;
const LABEL_START = /[A-Za-z_]/;
const LABEL_CHAR = /[A-Za-z0-9_]/;
const FLOAT = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/**
 * Parses an exposition. A malformed line is skipped and named in `problems` with its number and what was
 * expected; the rest is read (one exporter's bad line must not blank every series of a scrape).
 * @example parsePrometheusText('up{job="api"} 1\n').samples[0] // { name: 'up', labels: Map { job → api }, value: 1, timestampMs: undefined }
 */
export function parsePrometheusText(text: string, options: PromParseOptions = {}): PromExposition {
  const samples: PromSample[] = [];
  const metadata = new Map<string, PromMetadata>();
  const problems: string[] = [];
  const lines = text.split('\n');
  for (let n = 0; n < lines.length; n++) {
    const line = (lines[n] as string).replace(/\r$/, '');
    const cursor = new Cursor(line, n + 1);
    cursor.skipBlanks();
    if (cursor.atEnd()) continue;
    try {
      if (cursor.peek() === '#') readComment(cursor, metadata);
      else samples.push(readSample(cursor, options));
    } catch (err) {
      problems.push(err instanceof Error ? err.message : String(err));
    }
  }
  return { samples, metadata, problems };
}

/**
 * Reads a value as Prometheus writes it: a decimal float, `NaN`, `+Inf`, `-Inf` (any case). Undefined otherwise.
 * @example parsePromValue('+Inf') // Infinity
 */
export function parsePromValue(token: string): number | undefined {
  const lower = token.toLowerCase();
  if (lower === 'nan') return Number.NaN;
  if (lower === '+inf' || lower === 'inf') return Number.POSITIVE_INFINITY;
  if (lower === '-inf') return Number.NEGATIVE_INFINITY;
  return FLOAT.test(token) ? Number(token) : undefined;
}

/** Walks one line, and phrases what it did not find as an error with the line number. */
class Cursor {
  i = 0;
  constructor(
    readonly line: string,
    readonly lineNo: number,
  ) {}

  atEnd(): boolean {
    return this.i >= this.line.length;
  }
  peek(): string {
    return this.line[this.i] ?? '';
  }
  skipBlanks(): number {
    const start = this.i;
    while (this.peek() === ' ' || this.peek() === '\t') this.i++;
    return this.i - start;
  }
  /** A run of characters: the first matching `start`, the rest `rest`. */
  word(start: RegExp, rest: RegExp): string {
    const from = this.i;
    if (!start.test(this.peek())) return '';
    this.i++;
    while (!this.atEnd() && rest.test(this.peek())) this.i++;
    return this.line.slice(from, this.i);
  }
  /** Everything up to the next blank. */
  token(): string {
    const from = this.i;
    while (!this.atEnd() && this.peek() !== ' ' && this.peek() !== '\t') this.i++;
    return this.line.slice(from, this.i);
  }
  expect(char: string, what: string): void {
    if (this.peek() !== char) this.fail(`expected ${what}`);
    this.i++;
  }
  fail(message: string): never {
    const found = this.atEnd() ? 'the end of the line' : JSON.stringify(this.line.slice(this.i, this.i + 20));
    throw new Error(`line ${this.lineNo}: ${message}, found ${found}`);
  }
}

function readComment(cursor: Cursor, metadata: Map<string, PromMetadata>): void {
  cursor.i++; // '#'
  cursor.skipBlanks();
  const keyword = cursor.token();
  // Any other comment (and OpenMetrics' "# EOF") is free text.
  if (keyword !== 'HELP' && keyword !== 'TYPE') return;
  if (cursor.skipBlanks() === 0) cursor.fail(`expected a metric name after ${keyword}`);
  const name = cursor.word(METRIC_START, METRIC_CHAR);
  if (name === '') cursor.fail(`expected a metric name after ${keyword}`);
  cursor.skipBlanks();
  const rest = cursor.line.slice(cursor.i);
  const entry = metadata.get(name) ?? {};
  if (keyword === 'HELP') entry.help = rest.replace(/\\(\\|n)/g, (_, c: string) => (c === 'n' ? '\n' : '\\'));
  else entry.type = rest.trim().toLowerCase();
  metadata.set(name, entry);
}

function readSample(cursor: Cursor, options: PromParseOptions): PromSample {
  const name = cursor.word(METRIC_START, METRIC_CHAR);
  if (name === '') cursor.fail('expected a metric name');
  const labels = new Map<string, string>();
  let blanks = cursor.skipBlanks();
  if (cursor.peek() === '{') {
    readLabels(cursor, labels);
    // After the closing brace the value may follow at once (`x{a="1"}-Inf`), as Prometheus reads it.
    blanks = cursor.skipBlanks() + 1;
  }
  if (blanks === 0 || cursor.atEnd()) cursor.fail(`expected a space and a value after ${name}`);
  const valueText = cursor.token();
  const value = parsePromValue(valueText);
  if (value === undefined) throw new Error(`line ${cursor.lineNo}: ${JSON.stringify(valueText)} is not a number (write 1.5, 1e3, NaN, +Inf or -Inf)`);
  cursor.skipBlanks();
  let timestampMs: number | undefined;
  if (!cursor.atEnd() && cursor.peek() !== '#') {
    const stampText = cursor.token();
    const stamp = options.timestampsInSeconds ? (FLOAT.test(stampText) ? Number(stampText) * 1000 : Number.NaN) : /^-?\d+$/.test(stampText) ? Number(stampText) : Number.NaN;
    if (!Number.isFinite(stamp)) throw new Error(`line ${cursor.lineNo}: ${JSON.stringify(stampText)} is not a timestamp (${options.timestampsInSeconds ? 'seconds' : 'integer milliseconds'})`);
    timestampMs = Math.round(stamp);
    cursor.skipBlanks();
  }
  // What may follow is an OpenMetrics exemplar ("# {trace_id="…"} 1"), which carries nothing we use.
  if (!cursor.atEnd() && cursor.peek() !== '#') cursor.fail('expected the end of the line after the timestamp');
  return { name, labels, value, timestampMs };
}

function readLabels(cursor: Cursor, labels: Map<string, string>): void {
  cursor.i++; // '{'
  for (;;) {
    cursor.skipBlanks();
    if (cursor.peek() === '}') break; // also after a trailing comma, which the format allows
    const label = cursor.word(LABEL_START, LABEL_CHAR);
    if (label === '') cursor.fail('expected a label name or "}"');
    cursor.skipBlanks();
    cursor.expect('=', `"=" after label ${label}`);
    cursor.skipBlanks();
    cursor.expect('"', `a quoted value for label ${label}`);
    if (labels.has(label)) throw new Error(`line ${cursor.lineNo}: label ${label} appears twice`);
    labels.set(label, readQuoted(cursor, label));
    cursor.skipBlanks();
    if (cursor.peek() === ',') {
      cursor.i++;
      continue;
    }
    if (cursor.peek() !== '}') cursor.fail(`expected "," or "}" after the value of label ${label}`);
    break;
  }
  cursor.i++; // '}'
}

/** A label value after its opening quote, up to the closing one: \\ \" and \n are the escapes. */
function readQuoted(cursor: Cursor, label: string): string {
  let value = '';
  for (;;) {
    if (cursor.atEnd()) throw new Error(`line ${cursor.lineNo}: the value of label ${label} has no closing quote`);
    const c = cursor.peek();
    cursor.i++;
    if (c === '"') return value;
    if (c !== '\\') {
      value += c;
      continue;
    }
    const escaped = cursor.peek();
    cursor.i++;
    // An unknown escape is kept as written: lenient, like most scrapers.
    value += escaped === 'n' ? '\n' : escaped === '\\' || escaped === '"' ? escaped : `\\${escaped}`;
  }
}
