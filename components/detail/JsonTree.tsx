"use client";
// A JSON value as a collapsible tree. It takes the record's JSON TEXT (plus a path into it) rather
// than an object: records can nest thousands of levels deep, past what JSON.stringify or React
// props serialisation survive, while JSON.parse copes. Levels open on demand, so a 6,000-deep
// record renders its first levels only; long strings and big containers are cut until asked.
import { useMemo, useState } from "react";
import { visibleText } from "../../lib/view/text";

const LONG_STRING = 400;
const MANY_CHILDREN = 200;

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

function Scalar({ value }: { value: Exclude<Json, object> | null }) {
  const [full, setFull] = useState(false);
  if (value === null) return <span className="text-zinc-500">null</span>;
  if (typeof value === "boolean") return <span className="text-violet-700 dark:text-violet-400">{String(value)}</span>;
  if (typeof value === "number") return <span className="text-sky-700 dark:text-sky-400">{String(value)}</span>;
  // JSON escaping shows quotes, backslashes and control characters (NUL included) as written;
  // visibleText adds bidi overrides and zero-width characters.
  const cut = !full && value.length > LONG_STRING;
  const literal = visibleText(JSON.stringify(cut ? value.slice(0, LONG_STRING) : value));
  return (
    <span className="text-emerald-800 dark:text-emerald-400">
      {/* A cut string shows no closing quote: it does not end there. */}
      {cut ? literal.slice(0, -1) + "…" : literal}
      {cut && (
        <button type="button" onClick={() => setFull(true)} className="ml-1 rounded bg-zinc-200 px-1 text-[11px] text-zinc-700 dark:bg-zinc-800 dark:text-zinc-300">
          {(value.length - LONG_STRING).toLocaleString("en-US")} more characters
        </button>
      )}
    </span>
  );
}

function Key({ name }: { name: string | number | null }) {
  if (name === null) return null;
  return (
    <>
      <span className={typeof name === "number" ? "text-zinc-400" : "text-zinc-700 dark:text-zinc-300"}>{typeof name === "number" ? name : visibleText(JSON.stringify(name))}</span>
      <span className="text-zinc-400">: </span>
    </>
  );
}

function Node({ name, value, depth, openDepth }: { name: string | number | null; value: Json; depth: number; openDepth: number }) {
  const [open, setOpen] = useState(depth < openDepth);
  const [limit, setLimit] = useState(MANY_CHILDREN);
  if (value === null || typeof value !== "object") {
    return (
      <span className="block">
        <span className="inline-block w-4" />
        <Key name={name} />
        <Scalar value={value} />
      </span>
    );
  }
  const isArray = Array.isArray(value);
  const entries: [string | number, Json][] = isArray ? value.map((v, i) => [i, v]) : Object.entries(value);
  const [lb, rb] = isArray ? ["[", "]"] : ["{", "}"];
  const summary = `${entries.length.toLocaleString("en-US")} ${isArray ? (entries.length === 1 ? "item" : "items") : entries.length === 1 ? "key" : "keys"}`;
  if (entries.length === 0) {
    return (
      <span className="block">
        <span className="inline-block w-4" />
        <Key name={name} />
        <span className="text-zinc-500">{lb + rb}</span>
      </span>
    );
  }
  return (
    <span className="block">
      <button
        type="button"
        aria-expanded={open}
        aria-label={`${open ? "Collapse" : "Expand"} ${name ?? "record"}`}
        onClick={() => setOpen(!open)}
        className="inline-block w-4 text-left text-zinc-500 hover:text-zinc-900 dark:hover:text-white"
      >
        {open ? "▾" : "▸"}
      </button>
      <Key name={name} />
      <span className="text-zinc-500">{lb}</span>
      {open ? (
        <>
          <span className="block border-l border-zinc-200 pl-4 dark:border-zinc-800">
            {entries.slice(0, limit).map(([k, v]) => (
              <Node key={k} name={k} value={v} depth={depth + 1} openDepth={openDepth} />
            ))}
            {entries.length > limit && (
              <button type="button" onClick={() => setLimit((l) => l + MANY_CHILDREN)} className="rounded bg-zinc-200 px-1 text-[11px] text-zinc-700 dark:bg-zinc-800 dark:text-zinc-300">
                show {Math.min(MANY_CHILDREN, entries.length - limit)} more of {(entries.length - limit).toLocaleString("en-US")}
              </button>
            )}
          </span>
          <span className="text-zinc-500">{rb}</span>
        </>
      ) : (
        <button type="button" onClick={() => setOpen(true)} className="text-zinc-500 hover:text-zinc-900 dark:hover:text-white">
          {" "}… {summary} {rb}
        </button>
      )}
    </span>
  );
}

export interface JsonTreeProps {
  /** JSON text of the whole record. */
  json: string;
  /** Keys leading to the value to show (none: the whole record). */
  path?: string[];
  /** `pre` for the raw record: it is THE preformatted record of the page. */
  as?: "pre" | "div";
  /** Levels open at first. */
  openDepth?: number;
  label: string;
}

export function JsonTree({ json, path = [], as = "div", openDepth = 2, label }: JsonTreeProps) {
  const pathKey = path.join("\u0000");
  const parsed = useMemo(() => {
    try {
      let v = JSON.parse(json) as Json;
      for (const k of pathKey ? pathKey.split("\u0000") : []) v = v !== null && typeof v === "object" && !Array.isArray(v) ? (v[k] ?? null) : null;
      return { ok: true as const, value: v };
    } catch {
      return { ok: false as const };
    }
  }, [json, pathKey]);
  const Tag = as;
  const cls = "overflow-x-auto whitespace-pre-wrap break-all rounded bg-zinc-50 p-2 font-mono text-[11.5px] leading-5 dark:bg-zinc-900";
  // Text that is not JSON is shown as stored (still text, never HTML).
  if (!parsed.ok) return <Tag className={cls} aria-label={label}>{visibleText(json)}</Tag>;
  return (
    <Tag className={cls} aria-label={label}>
      <Node name={null} value={parsed.value} depth={0} openDepth={openDepth} />
    </Tag>
  );
}
