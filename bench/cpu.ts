// Where ingest time goes: CPU seconds of the sync process and of the PostgreSQL processes
// (backends, WAL writer, checkpointer…) sampled from /proc while it runs. Backends that exit
// before the end keep their last sample. PostgreSQL figures include whatever else uses the
// server at the time (it is shared): read them as an upper bound.
import { readdirSync, readFileSync } from "node:fs";

export const TICK = 100; // USER_HZ on Linux

export function cpuTicks(pid: number): { comm: string; ticks: number } | null {
  try {
    const s = readFileSync(`/proc/${pid}/stat`, "utf8");
    const close = s.lastIndexOf(")");
    const comm = s.slice(s.indexOf("(") + 1, close);
    const f = s.slice(close + 2).split(" ");
    // fields after ") ": state(0) … utime(11) stime(12)
    return { comm, ticks: Number(f[11]) + Number(f[12]) };
  } catch {
    return null;
  }
}

function postgresPids(): number[] {
  const out: number[] = [];
  for (const d of readdirSync("/proc")) {
    if (!/^\d+$/.test(d)) continue;
    const t = cpuTicks(Number(d));
    if (t && t.comm.startsWith("postgres")) out.push(Number(d));
  }
  return out;
}

export interface CpuUse {
  /** CPU seconds of the watched process. */
  proc: number;
  /** CPU seconds of all PostgreSQL processes during the window. */
  postgres: number;
}

export class CpuSampler {
  private readonly base = new Map<number, number>();
  private readonly last = new Map<number, number>();
  private procTicks = 0;
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly pid: number) {
    for (const p of postgresPids()) this.base.set(p, cpuTicks(p)?.ticks ?? 0);
    this.sample();
    this.timer = setInterval(() => this.sample(), 250);
  }

  private sample(): void {
    const own = cpuTicks(this.pid);
    if (own) this.procTicks = own.ticks;
    for (const p of postgresPids()) {
      const t = cpuTicks(p);
      if (t) this.last.set(p, t.ticks);
    }
  }

  stop(): CpuUse {
    if (this.timer) clearInterval(this.timer);
    this.sample();
    let pgTicks = 0;
    for (const [p, t] of this.last) pgTicks += t - (this.base.get(p) ?? 0);
    return { proc: this.procTicks / TICK, postgres: pgTicks / TICK };
  }
}
