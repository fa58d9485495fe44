import { describeError } from '../common/measure.js';
import type { WorkerChannel } from '../common/worker.js';

/**
 * Runs the orchestrator's steps one after the other and answers each with its `result`, in the
 * order sent; a step that fails is reported as `failed`.
 */
export function answerSteps<Step>(
  channel: WorkerChannel<unknown>,
  run: (step: Step) => Promise<unknown>,
): void {
  let steps = Promise.resolve();
  channel.whenStep((step) => {
    steps = steps.then(() =>
      run(step as Step).then(
        (result) => channel.report({ type: 'result', result }),
        (error: unknown) => channel.report({ type: 'failed', message: describeError(error) }),
      ),
    );
  });
}
