// A pool of stage threads (stage-thread.ts) for a `pipe worker`: one per stage it runs at once, kept between jobs
// (a thread costs tens of milliseconds to start and load the stages; a trivial stage, a few).

import { Worker } from 'node:worker_threads';
import type { RunEvent, RunEventListener } from '../../core/run-events.js';
import type { Execution, StageTask } from '../executor.js';

/** Where the threads import the stage types from: a module URL and the name of its export (a Map of stages). */
export interface StageModule {
  url: string;
  exportName: string;
}

export type ThreadRequest = { kind: 'run'; task: StageTask; artifactsRoot: string } | { kind: 'abort' };
export type ThreadReply = { kind: 'ready' } | { kind: 'event'; event: RunEvent } | { kind: 'done'; execution: Execution };

export class StageThreads {
  private readonly idle: Worker[] = [];
  private readonly all = new Set<Worker>();

  constructor(private readonly module: StageModule) {}

  /** Computes `task` in a thread of its own; an abort of `signal` is passed on to the stage. */
  async run(task: StageTask, artifactsRoot: string, emit: RunEventListener, signal: AbortSignal): Promise<Execution> {
    let thread: Worker;
    try {
      thread = this.idle.pop() ?? (await this.start());
    } catch (err) {
      return { status: 'failed', ms: 0, error: `the stage thread did not start: ${(err as Error).message}` };
    }
    return new Promise<Execution>((resolve) => {
      const onAbort = (): void => thread.postMessage({ kind: 'abort' } satisfies ThreadRequest);
      const end = (x: Execution, reusable: boolean): void => {
        signal.removeEventListener('abort', onAbort);
        thread.off('message', onMessage);
        thread.off('error', onError);
        thread.off('exit', onExit);
        if (reusable) this.idle.push(thread);
        else this.all.delete(thread);
        resolve(x);
      };
      const onMessage = (m: ThreadReply): void => {
        if (m.kind === 'event') emit(m.event);
        else if (m.kind === 'done') end(m.execution, true);
      };
      const onError = (err: Error): void => {
        void thread.terminate();
        end({ status: 'failed', ms: 0, error: `the stage's thread crashed: ${err.message}` }, false);
      };
      const onExit = (code: number): void => end({ status: 'failed', ms: 0, error: `the stage's thread exited (code ${code}) before the stage finished` }, false);
      thread.on('message', onMessage);
      thread.on('error', onError);
      thread.on('exit', onExit);
      signal.addEventListener('abort', onAbort, { once: true });
      if (signal.aborted) onAbort();
      thread.postMessage({ kind: 'run', task, artifactsRoot } satisfies ThreadRequest);
    });
  }

  async close(): Promise<void> {
    await Promise.all([...this.all].map((t) => t.terminate()));
    this.all.clear();
    this.idle.length = 0;
  }

  private start(): Promise<Worker> {
    const thread = new Worker(new URL('./stage-thread.js', import.meta.url), { workerData: this.module });
    this.all.add(thread);
    return new Promise((resolve, reject) => {
      const fail = (err: Error | number): void => {
        this.all.delete(thread);
        reject(typeof err === 'number' ? new Error(`it exited with code ${err}`) : err);
      };
      thread.once('error', fail);
      thread.once('exit', fail);
      thread.once('message', (m: ThreadReply) => {
        thread.off('error', fail);
        thread.off('exit', fail);
        if (m.kind === 'ready') resolve(thread);
      });
    });
  }
}
