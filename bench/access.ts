import { manualClock, sqlFromPglite } from "@elderflow/core";
import { createAccessLog, sqlAccessLogStore } from "@elderflow/register";
import { PGlite } from "@electric-sql/pglite";
import { type BenchContext, peakRssMiB } from "./lib";

const actor = { id: "reg-1", roles: ["registrar" as const], communities: ["c1"] };
const auditor = { id: "b-1", roles: ["bureau" as const] };

/**
 * The access log on PGlite: appending the read of 1,000 persons (one entry row and the subject rows
 * in one statement each), against the peer of one INSERT per subject in one transaction; then the
 * "who looked at" report and a full verify.
 */
export async function run(ctx: BenchContext): Promise<void> {
  const rounds = ctx.quick ? 5 : 30;
  const subjects = Array.from({ length: 1000 }, (_, i) => `p${i}`);
  const db = new PGlite();
  const sql = sqlFromPglite(db);
  const clock = manualClock("2026-12-01T09:00:00+08:00");
  const log = createAccessLog({ store: await sqlAccessLogStore(sql), clock });
  await log.append(actor, { purpose: "statistics", operation: "persons", subjects }); // warm-up
  let t = performance.now();
  for (let i = 0; i < rounds; i++) await log.append(actor, { purpose: "statistics", operation: "persons", subjects });
  const batchedMs = (performance.now() - t) / rounds;

  await db.exec("create table peer_access (seq bigint, subject text, at text, actor text, purpose text)");
  t = performance.now();
  for (let i = 0; i < rounds; i++)
    await sql.transaction(async (tx) => {
      for (const s of subjects)
        await tx.query("insert into peer_access values ($1, $2, $3, $4, $5)", [
          i,
          s,
          "2026-12-01",
          "reg-1",
          "statistics",
        ]);
    });
  const peerMs = (performance.now() - t) / rounds;
  ctx.emit({
    bench: "access.append_1000_subjects",
    n: rounds,
    elderflow_ms: Number(batchedMs.toFixed(2)),
    peer_ms: Number(peerMs.toFixed(2)),
    peer: "one INSERT per subject, one transaction",
    peak_rss_mib: peakRssMiB(),
  });

  t = performance.now();
  const seen = await log.report(auditor, { subject: "p500" });
  const reportMs = performance.now() - t;
  t = performance.now();
  const v = await log.verify(auditor);
  const verifyMs = performance.now() - t;
  ctx.emit({
    bench: "access.report_verify",
    entries: v.ok ? v.entries : -1,
    report_hits: seen.length,
    report_ms: Number(reportMs.toFixed(2)),
    verify_ms: Number(verifyMs.toFixed(2)),
    peak_rss_mib: peakRssMiB(),
  });
  await sql.close();
}
