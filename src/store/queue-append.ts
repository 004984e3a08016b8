import { StoreError } from '../errors';
import { type DecisionRecord, decisionRecordProblem } from './decision-record';

/** A decision waiting for its group commit; settled once the batch it joins is committed or refused. */
export interface PendingAppend {
  readonly record: DecisionRecord;
  readonly resolve: (id: number) => void;
  readonly reject: (err: Error) => void;
}

/**
 * How the audit writer takes a record: refused at once when the writer is closed or the
 * record is malformed (so one bad record never fails a whole batch), else queued for the next commit.
 */
export function queueAppend(
  queue: PendingAppend[],
  record: DecisionRecord,
  closed: boolean,
  schedule: () => void,
): Promise<number> {
  if (closed) return Promise.reject(new StoreError('the audit log is closed'));
  const problem = decisionRecordProblem(record);
  if (problem !== null) return Promise.reject(new StoreError(`audit record refused: ${problem}`));
  return new Promise<number>((resolve, reject) => {
    queue.push({ record, resolve, reject });
    schedule();
  });
}
