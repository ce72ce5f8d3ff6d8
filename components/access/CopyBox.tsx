"use client";
// A value to take away (a new API token, a share link's address): a read-only field that selects
// itself when focused, so it can be copied by keyboard too, and a Copy button.
import { CopyButton } from "../ui/CopyButton";

export function CopyBox({ id, label, value }: { id: string; label: string; value: string }) {
  return (
    <div className="space-y-1">
      <label htmlFor={id} className="block text-xs font-medium">
        {label}
      </label>
      <div className="flex min-w-0 gap-2">
        <input
          id={id}
          readOnly
          value={value}
          spellCheck={false}
          onFocus={(e) => e.currentTarget.select()}
          className="min-w-0 flex-1 rounded border border-zinc-300 bg-zinc-50 px-2 py-1 font-mono text-xs dark:border-zinc-700 dark:bg-zinc-950"
        />
        <CopyButton text={value} label="Copy" className="shrink-0 py-1" />
      </div>
    </div>
  );
}
