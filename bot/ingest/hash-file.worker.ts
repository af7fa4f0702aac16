// A worker thread hashing a whole file (SHA-256) beside the thread that counts it (see hashFileAside); it answers with one message.
import { createHash } from 'node:crypto';
import { openSync, readSync, closeSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';

const BLOCK = 1 << 20;
const path = workerData as string;
try {
  const hash = createHash('sha256');
  const buffer = Buffer.allocUnsafe(BLOCK);
  const fd = openSync(path, 'r');
  let bytes = 0;
  try {
    for (let n = readSync(fd, buffer, 0, BLOCK, bytes); n > 0; n = readSync(fd, buffer, 0, BLOCK, bytes)) {
      hash.update(buffer.subarray(0, n));
      bytes += n;
    }
  } finally {
    closeSync(fd);
  }
  parentPort?.postMessage({ hash: hash.digest('hex'), bytes });
} catch (error) {
  parentPort?.postMessage({ error: error instanceof Error ? error.message : String(error) });
}
