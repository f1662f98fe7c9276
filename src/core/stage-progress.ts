// What a running stage reports: the stage (and the training loop inside it) emits these, the runner wraps them in
// events, and the store and UI read them. Kept below all of those so none of them imports another for it.

/** One finished training epoch: what train reports, keeps in history.json, and the dashboard plots. */
export interface EpochMetrics {
  epoch: number;
  loss: number;
  accuracy: number;
  valLoss: number;
  valAccuracy: number;
  ms: number;
  /** The learning rate of this epoch (reduce on plateau applied; a warm-up scales it further per step); recorded only where a schedule changes it. */
  lr?: number;
}

/** Progress a running stage reports; the runner turns it into events for the UI and the store. */
export type StageProgress =
  | { kind: 'progress'; done: number; total: number; unit: string }
  | ({ kind: 'epoch'; epochs: number } & EpochMetrics)
  | { kind: 'batch'; epoch: number; batch: number; batches: number }
  | { kind: 'log'; level: 'info' | 'warn'; message: string };
