// Progress on stderr: a redrawn bar on a terminal, plain lines otherwise (CI logs, pipes).

export interface ProgressState {
  source: string;
  phase: string;
  /**
   * Work items known so far, and whether that number is final: files (a folder, an upload), S3
   * objects, or LookupEvents time windows (progressText names them for each kind of source).
   */
  total: number;
  totalFinal: boolean;
  done: number;
  /** LookupEvents pages read (up to 50 events each); 0 for sources of files. */
  pages: number;
  objectsRead: number;
  objectsUnchanged: number;
  objectsSkipped: number;
  objectsFailed: number;
  eventsNew: number;
  eventsDuplicate: number;
  bytes: number;
  startedAt: number;
}

export function newProgress(source: string): ProgressState {
  return {
    source,
    phase: "starting",
    total: 0,
    totalFinal: false,
    done: 0,
    pages: 0,
    objectsRead: 0,
    objectsUnchanged: 0,
    objectsSkipped: 0,
    objectsFailed: 0,
    eventsNew: 0,
    eventsDuplicate: 0,
    bytes: 0,
    startedAt: Date.now(),
  };
}

const fmt = (n: number) => n.toLocaleString("en-US");

/**
 * What one work item of a source is, in a user's words (the source's id says its kind:
 * lib/ingest/sources): "files" of a folder, "S3 objects" of a bucket, or a LookupEvents source's
 * pages (counted as such: its time windows mean little to anyone).
 */
export function workItems(source: string, n: number): string {
  const one = n === 1;
  if (source.startsWith("lookup://")) return one ? "page of LookupEvents" : "pages of LookupEvents";
  if (source.startsWith("s3://")) return one ? "S3 object" : "S3 objects";
  if (source.startsWith("upload:")) return one ? "uploaded file" : "uploaded files";
  return one ? "file" : "files";
}

const isLookup = (p: ProgressState) => p.source.startsWith("lookup://");

/** A running sync's progress, as the /sync page and the run record show it. */
export function progressText(p: ProgressState): string {
  if (isLookup(p)) return `${p.phase}: ${fmt(p.pages)} ${workItems(p.source, p.pages)} read (up to 50 events each)`;
  const of = p.total ? ` of ${fmt(p.total)}${p.totalFinal ? "" : "+ so far"}` : "";
  return `${p.phase}: ${fmt(p.done)}${of} ${workItems(p.source, p.total || p.done)} (log files, digests and any other file found)`;
}

/** A finished sync's progress line. */
export function finishedText(p: ProgressState): string {
  if (isLookup(p)) return `finished: ${fmt(p.pages)} ${workItems(p.source, p.pages)} read (up to 50 events each)`;
  const unchanged = p.objectsUnchanged ? `, ${fmt(p.objectsUnchanged)} of them unchanged since they were last read` : "";
  return `finished: ${fmt(p.done)} ${workItems(p.source, p.done)} looked at${unchanged}`;
}

export function describe(p: ProgressState): string {
  const secs = (Date.now() - p.startedAt) / 1000;
  const events = p.eventsNew + p.eventsDuplicate;
  const rate = secs > 0 ? Math.round(events / secs) : 0;
  return `${progressText(p)}, ${fmt(p.eventsNew)} new + ${fmt(p.eventsDuplicate)} duplicate events, ${fmt(p.objectsFailed)} failed, ${fmt(rate)} events/s`;
}

export interface ProgressRenderer {
  update(p: ProgressState): void;
  done(): void;
}

export function stderrRenderer(opts: { tty?: boolean; intervalMs?: number } = {}): ProgressRenderer {
  const tty = opts.tty ?? Boolean(process.stderr.isTTY);
  const every = opts.intervalMs ?? (tty ? 150 : 5000);
  let last = 0;
  let drawn = false;
  return {
    update(p) {
      const now = Date.now();
      if (now - last < every) return;
      last = now;
      if (tty) {
        const width = Math.max(10, Math.min(30, (process.stderr.columns ?? 100) - 90));
        const frac = p.total > 0 ? Math.min(1, p.done / p.total) : 0;
        const bar = "█".repeat(Math.round(frac * width)).padEnd(width, "░");
        process.stderr.write(`\r\x1b[2K${p.source} ${bar} ${describe(p)}`.slice(0, (process.stderr.columns ?? 200) - 1));
        drawn = true;
      } else {
        process.stderr.write(`${p.source}: ${describe(p)}\n`);
      }
    },
    done() {
      if (tty && drawn) process.stderr.write("\r\x1b[2K");
    },
  };
}

export const silentRenderer: ProgressRenderer = { update() {}, done() {} };
