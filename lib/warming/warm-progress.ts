import type { EscapedLogger } from '../kernel/escaped-logger.js';
import type { WarmResult } from '../read-through/warm/warm.types.js';

/** Entries between two progress lines when the total is not known up front (a generator). */
const STEP_WITHOUT_TOTAL = 1000;

/** A progress callback that logs one line per 10 % of a known total (or per 1,000 entries), never one per key. */
export function progressLogger(logger: EscapedLogger, name: string): (result: Readonly<WarmResult>, total: number | undefined) => void {
  let logged = 0;
  return (result, total) => {
    const done = result.loaded + result.skipped + result.failed;
    const counts = `${result.loaded} loaded, ${result.skipped} fresh, ${result.failed} failed`;
    if (total === undefined || total === 0) {
      if (done - logged < STEP_WITHOUT_TOTAL) return;
      logged = done;
      logger.log(`${name}: ${done} entries (${counts})`);
      return;
    }
    const tenth = Math.floor((done * 10) / total);
    if (tenth <= logged) return;
    logged = tenth;
    logger.log(`${name}: ${tenth * 10} % (${done}/${total}: ${counts})`);
  };
}
