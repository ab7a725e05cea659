/**
 * `vaerec recommend` and `vaerec export`: thin wrappers around RunInspector (src/trainer/inspect),
 * the same code the inspector's inference process runs, so the CLI and the panel cannot disagree.
 */
import { fsReason } from '../../shared/fsErrors';
import type { RecommendResult, UserSet } from '../../shared/inferenceResults';
import { RunInspector } from '../inspect/runInspector';
import { writeFileAtomic } from '../runStore';

export type { Recommendation, RecommendResult } from '../../shared/inferenceResults';
export { formatRecommendations } from '../inspect/runInspector';

export async function recommendForUser(runDir: string, user: string, k: number, cacheDir: string, explain = false): Promise<RecommendResult> {
  const inspector = await RunInspector.open(runDir, { cacheDir });
  try {
    return inspector.recommend(user, k, { explain });
  } finally {
    inspector.dispose();
  }
}

export async function exportRecommendations(
  runDir: string,
  out: string,
  opts: { users: UserSet | string[]; k: number; cacheDir: string },
): Promise<{ rows: number; users: number }> {
  const inspector = await RunInspector.open(runDir, { cacheDir: opts.cacheDir });
  try {
    const { csv, rows, users } = inspector.exportCsv(opts.users, opts.k);
    // Like the run store: a full disk or a kill leaves the previous file or none, never a CSV cut mid-row.
    try {
      writeFileAtomic(out, csv);
    } catch (err) {
      throw new Error(`cannot write ${out}: ${fsReason(err)}`);
    }
    return { rows, users };
  } finally {
    inspector.dispose();
  }
}
