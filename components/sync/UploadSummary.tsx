// What an upload's sync did: events new and already stored, files read, skipped and failed, and
// every problem with its reason (the keys name the uploaded file and, for archives, the member).
import type { UploadResult } from "../../lib/sync/uploads";

export type UploadAnswer = Omit<UploadResult, "files" | "fatal">;

const n = (x: number) => x.toLocaleString("en-US");

/** "upload:1a2b3c4d5e6f/logs.zip!a/b.json" → "logs.zip!a/b.json": the hash only tells files apart. */
const shown = (key: string) => key.replace(/^upload:[0-9a-f]+\//, "");

export function UploadSummary({ result }: { result: UploadAnswer }) {
  const problems = result.failures.filter((f) => !f.expected);
  const expected = result.failures.filter((f) => f.expected);
  return (
    <div role="status" data-testid="upload-result" className="space-y-1 text-xs">
      <p className={result.ok ? "text-emerald-800 dark:text-emerald-300" : "text-amber-800 dark:text-amber-300"}>
        <span className="font-medium">{n(result.eventsNew)} new events</span>, {n(result.eventsDuplicate)} already stored. Files: {n(result.objectsRead)} read,{" "}
        {n(result.objectsUnchanged)} uploaded before, {n(result.objectsSkipped)} skipped, {n(result.objectsFailed)} failed.
        {result.error && ` ${result.error}.`}
      </p>
      {problems.length > 0 && (
        <ul aria-label="Upload problems" className="max-h-48 space-y-0.5 overflow-y-auto">
          {problems.map((f, i) => (
            <li key={i} className="break-words">
              <span className="font-mono">{shown(f.key)}</span>: {f.reason}
            </li>
          ))}
        </ul>
      )}
      {expected.length > 0 && (
        <ul aria-label="Skipped as expected" className="space-y-0.5 text-zinc-500">
          {expected.map((f, i) => (
            <li key={i} className="break-words">
              <span className="font-mono">{shown(f.key)}</span>: {f.reason}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
