// Counts the rows an export actually sent, for the audit trail: NDJSON lines, or CSV records after
// the header (a newline inside a quoted cell is part of its record; a doubled quote toggles twice).
// It also ends the export when the request is aborted: Next cancels a response body only once it
// writes to a closed socket, and an export still waiting for its first rows writes nothing.
export function countingStream(
  source: ReadableStream<Uint8Array>,
  format: "csv" | "ndjson",
  onEnd: (rows: number, complete: boolean) => void,
  /** The request's: a client that goes away cancels the export even before its body is read. */
  signal?: AbortSignal,
): ReadableStream<Uint8Array> {
  let lines = 0;
  let quoted = false;
  let ended = false;
  const end = (complete: boolean) => {
    if (ended) return;
    ended = true;
    onEnd(format === "csv" ? Math.max(0, lines - 1) : lines, complete);
  };
  const reader = source.getReader();
  const onAbort = () => {
    end(false);
    reader.cancel(signal?.reason).catch(() => {});
  };
  if (signal?.aborted) onAbort();
  else signal?.addEventListener("abort", onAbort, { once: true });
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        try {
          const { done, value } = await reader.read();
          if (done) {
            end(true);
            controller.close();
            return;
          }
          for (let i = 0; i < value.length; i++) {
            const b = value[i];
            if (b === 0x22 && format === "csv") quoted = !quoted;
            else if (b === 0x0a && !quoted) lines++;
          }
          controller.enqueue(value);
        } catch (err) {
          end(false);
          controller.error(err);
        }
      },
      async cancel(reason) {
        end(false);
        await reader.cancel(reason);
      },
    },
    { highWaterMark: 0 },
  );
}
