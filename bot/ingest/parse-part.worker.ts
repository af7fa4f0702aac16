// A worker thread counting one part of a large export (see parse-parallel.ts); it answers with one message.
import { parentPort, workerData } from 'node:worker_threads';
import { COUNT_FORMATS, isCountSource } from './parse-export';
import { countPart, type PartJob } from './parse-parallel';

const job = workerData as PartJob;
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
