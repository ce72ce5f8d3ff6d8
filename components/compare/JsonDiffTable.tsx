// Two raw records side by side as aligned lines (lib/view/json-diff.ts): a line per key path, A's
// value on the left and B's on the right; changed values amber on both sides, a key only A has red
// on the left, one only B has green on the right. Rendered on the server as text, never as HTML.
import { differingLines, type DiffLine, type DiffStatus } from "../../lib/view/json-diff";
import { visibleText } from "../../lib/view/text";

/** Lines shown at most; the rest are counted. */
const MAX_ROWS = 3000;
/** Characters of a string value shown; the rest are counted. */
const LONG_VALUE = 600;
/** Indentation stops growing here (records nest thousands of levels deep). */
const MAX_INDENT = 24;

const SIDE_STYLE: Record<DiffStatus, { a: string; b: string }> = {
  same: { a: "", b: "" },
  changed: { a: "bg-amber-100 dark:bg-amber-950", b: "bg-amber-100 dark:bg-amber-950" },
  removed: { a: "bg-red-100 dark:bg-red-950", b: "bg-zinc-100 dark:bg-zinc-900" },
  added: { a: "bg-zinc-100 dark:bg-zinc-900", b: "bg-emerald-100 dark:bg-emerald-950" },
};

const MARK: Record<DiffStatus, { a: string; b: string; words: string }> = {
  same: { a: "", b: "", words: "" },
  changed: { a: "~", b: "~", words: "differs: " },
  removed: { a: "−", b: "", words: "only in A: " },
  added: { a: "", b: "+", words: "only in B: " },
};

function valueText(text: string): string {
  if (text.length <= LONG_VALUE) return visibleText(text);
  return `${visibleText(text.slice(0, LONG_VALUE))}… (${(text.length - LONG_VALUE).toLocaleString("en-US")} more characters)`;
}

function Side({ line, side }: { line: DiffLine; side: "a" | "b" }) {
  const text = line[side];
  const style = SIDE_STYLE[line.status][side];
  const mark = MARK[line.status][side];
  if (text === null) return <td className={`border-l border-zinc-200 px-1 align-top dark:border-zinc-800 ${style}`} />;
  const key = line.key === null ? null : typeof line.key === "number" ? `${line.key}: ` : `${visibleText(JSON.stringify(line.key))}: `;
  return (
    <td className={`border-l border-zinc-200 px-1 align-top dark:border-zinc-800 ${style}`}>
      <div className="flex gap-1">
        <span aria-hidden className="w-3 shrink-0 select-none text-center font-semibold text-zinc-600 dark:text-zinc-300">
          {mark}
        </span>
        {/* Said once per line, on the side that holds the difference. */}
        {line.status !== "same" && (side === "b" ? line.status === "added" : line.status !== "added") && <span className="sr-only">{MARK[line.status].words}</span>}
        <span className="min-w-0 whitespace-pre-wrap [overflow-wrap:anywhere]" style={{ paddingLeft: `${Math.min(line.depth, MAX_INDENT) * 1.5}ch` }}>
          {key && <span className={typeof line.key === "number" ? "text-zinc-400" : "text-zinc-700 dark:text-zinc-300"}>{key}</span>}
          <span className={line.edge ? "text-zinc-500" : line.status === "same" ? "text-emerald-800 dark:text-emerald-400" : "font-semibold text-zinc-900 dark:text-white"}>{valueText(text)}</span>
          {line.edge === "open" && line.inner && line.depth > 0 && <span className="ml-1 font-sans text-[10px] text-amber-700 dark:text-amber-400">differs inside</span>}
        </span>
      </div>
    </td>
  );
}

export function JsonDiffTable({ lines, cut, onlyDifferences }: { lines: DiffLine[]; cut: number; onlyDifferences: boolean }) {
  const shown = onlyDifferences ? differingLines(lines) : lines;
  const rows = shown.slice(0, MAX_ROWS);
  const more = shown.length - rows.length + cut;
  return (
    <div className="relative overflow-x-auto rounded border border-zinc-200 dark:border-zinc-800" data-testid="json-diff">
      <table className="w-full min-w-[34rem] table-fixed border-collapse font-mono text-[11.5px] leading-5">
        <caption className="sr-only">The two raw records line by line: A on the left, B on the right, differences marked</caption>
        <thead className="bg-zinc-100 text-left font-sans text-xs dark:bg-zinc-900">
          <tr>
            <th scope="col" className="px-2 py-1 font-medium">A</th>
            <th scope="col" className="border-l border-zinc-200 px-2 py-1 font-medium dark:border-zinc-800">B</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((l, i) => (
            <tr key={i} data-diff={l.status} data-path={l.path} className={l.status === "same" ? "" : "border-y border-white/0"}>
              <Side line={l} side="a" />
              <Side line={l} side="b" />
            </tr>
          ))}
        </tbody>
      </table>
      {more > 0 && <p className="border-t border-zinc-200 px-2 py-1 text-xs text-zinc-500 dark:border-zinc-800">{more.toLocaleString("en-US")} more lines not shown (each event&apos;s page has its whole record).</p>}
      {onlyDifferences && rows.length === 0 && <p className="px-2 py-2 text-xs text-zinc-500">The two records are identical.</p>}
    </div>
  );
}
