// A worker thread counting one part of a large export (see parse-parallel.ts): its job given at its start or, when it was started
// before the job was known, in its first message; it answers with one message.
import { parentPort, workerData } from 'node:worker_threads';
import { COUNT_FORMATS, isCountSource } from './parse-export';
import { countPart, type PartJob } from './parse-parallel';

function run(job: PartJob): void {
  const formats = isCountSource(job.source) ? COUNT_FORMATS[job.source] : [];
  countPart(job, formats, (lines, bytes) => parentPort?.postMessage({ progress: [lines, bytes] })).then(
    // Numbers handed over are moved, not copied.
    (result) =>
      parentPort?.postMessage(
        { result },
        result.numbers ? [result.numbers.counts.buffer as ArrayBuffer, result.numbers.modules.buffer as ArrayBuffer] : [],
      ),
    (error: unknown) => parentPort?.postMessage({ error: error instanceof Error ? error.message : String(error) }),
  );
}

if (workerData) run(workerData as PartJob);
else parentPort?.once('message', (job: PartJob) => run(job));
