// What must not outlive the bench (child processes, databases), undone on exit or Ctrl-C.
type Fn = () => unknown;
const fns = new Set<Fn>();

export function onCleanup(fn: Fn): () => void {
  fns.add(fn);
  return () => fns.delete(fn);
}

export async function runCleanup(): Promise<void> {
  for (const fn of [...fns].reverse()) {
    try {
      await fn();
    } catch {
      /* best effort */
    }
  }
  fns.clear();
}
