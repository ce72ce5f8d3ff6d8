// `npm run verify -- <source>…`: log file integrity validation of what each source holds now. Every
// object is read again and hashed (a file altered or deleted since it was synced is caught; new ones are
// synced), then the digest chain, signatures and log file hashes are checked. Prints the invalid
// files and totals; exits 1 when anything is invalid or missing, like `aws cloudtrail validate-logs`,
// and 2 when a source could not be read or validated at all.
import { runSync } from "../lib/ingest/engine";
import { stderrRenderer } from "../lib/ingest/progress";
import { parseSource } from "../lib/ingest/sources";
import { formatVerifyReport } from "../lib/integrity/report";
import { exitWith, withDatabase } from "./cli";

async function main(): Promise<number> {
  const args = process.argv.slice(2).filter((a) => a !== "--");
  if (args.length === 0 || args.includes("--help")) {
    process.stderr.write("usage: npm run verify -- <source>…\n  <path> | file:<path>   a folder (hashes and chain; no signatures without S3 metadata)\n  s3://bucket[/prefix][?region=…&forcePathStyle=true]\n");
    return args.length === 0 ? 2 : 0;
  }
  const plugins = args.map((a) => parseSource(a));
  return withDatabase(async (db, signal) => {
    let code = 0;
    for (const plugin of plugins) {
      const s = await runSync(db, plugin, { reread: true, renderer: stderrRenderer(), signal });
      if (!s.integrity) {
        process.stderr.write(`${plugin.id}: ${s.error ?? s.integrityError ?? "holds no log files to validate"}\n`);
        code = 2;
        continue;
      }
      if (s.unreadable) process.stderr.write(`${plugin.id}: ${s.unreadable} object(s) could not be read; they keep their earlier outcome\n`);
      process.stdout.write(formatVerifyReport(s.integrity) + "\n");
      if (!s.integrity.ok && code === 0) code = 1;
      if (s.integrity.keyErrors.length) code = 2;
    }
    return code;
  });
}

exitWith(main, "verify", 2);
