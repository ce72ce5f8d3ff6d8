// Progress on stderr: a redrawn bar on a terminal, plain lines otherwise (CI logs, pipes).

export interface ProgressState {
  source: string;
  phase: string;
  /** Units (objects or pages) known so far, and whether that number is final. */
  total: number;
  totalFinal: boolean;
  done: number;
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

export function describe(p: ProgressState): string {
  const secs = (Date.now() - p.startedAt) / 1000;
  const events = p.eventsNew + p.eventsDuplicate;
  const rate = secs > 0 ? Math.round(events / secs) : 0;
  const of = p.total ? ` / ${fmt(p.total)}${p.totalFinal ? "" : "+"}` : "";
  return `${p.phase}: ${fmt(p.done)}${of} units, ${fmt(p.eventsNew)} new + ${fmt(p.eventsDuplicate)} duplicate events, ${fmt(p.objectsFailed)} failed, ${fmt(rate)} events/s`;
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
