/** One stretch of the run: the warm-up, or a fault from its start to the next fault's start. */
export interface FaultWindow {
  name: string;
  start: number;
  /** when the fault was over (Redis back, partition healed); the warm-up has none */
  end?: number;
  /** when the fault action threw, its message (the run goes on) */
  failed?: string;
}

/** Fault windows in time order, found by time. */
export class Windows {
  readonly list: FaultWindow[] = [];

  constructor(runStart: number) {
    this.list.push({ name: 'warm-up (no fault)', start: runStart });
  }

  open(name: string, start: number): FaultWindow {
    const window: FaultWindow = { name, start };
    this.list.push(window);
    return window;
  }

  indexAt(time: number): number {
    let [low, high] = [0, this.list.length];
    while (low < high) {
      const mid = (low + high) >> 1;
      if (this.list[mid].start <= time) low = mid + 1;
      else high = mid;
    }
    return Math.max(0, low - 1);
  }
}
