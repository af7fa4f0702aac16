import { createHash } from 'node:crypto';
import { open } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { Worker } from 'node:worker_threads';

/**
 * The SHA-256 of a file, computed on a worker thread while the caller reads the file, so the hash costs the reader no time
 * on a second core. `finish(bytes)` gives the hash of the file's first `bytes` bytes, the ones the reader read: when the
 * file changed length in between (or the worker failed), those bytes are hashed again here.
 */
export function hashFileAside(path: string): { update(chunk: Buffer): void; finish(bytes: number): Promise<string>; cancel(): void } {
  const file = join(__dirname, `hash-file.worker${extname(__filename)}`);
  const worker =
    extname(__filename) === '.ts'
      ? new Worker(`require('tsx/cjs'); require(${JSON.stringify(file)});`, { eval: true, workerData: path })
      : new Worker(file, { workerData: path });
  const answer = new Promise<{ hash?: string; bytes?: number; error?: string }>((resolve) => {
    worker.once('message', resolve);
    worker.once('error', (error) => resolve({ error: error.message }));
    worker.once('exit', () => resolve({ error: 'the hashing worker stopped' }));
  });
  return {
    update: () => undefined,
    async finish(bytes) {
      const { hash, bytes: hashed } = await answer;
      if (hash !== undefined && hashed === bytes) return hash;
      return hashFirstBytes(path, bytes);
    },
    cancel() {
      void worker.terminate();
    },
  };
}

async function hashFirstBytes(path: string, bytes: number): Promise<string> {
  const hash = createHash('sha256');
  const handle = await open(path, 'r');
  try {
    const buffer = Buffer.allocUnsafe(1 << 20);
    for (let at = 0; at < bytes;) {
      const { bytesRead } = await handle.read(buffer, 0, Math.min(buffer.length, bytes - at), at);
      if (bytesRead === 0) break;
      hash.update(buffer.subarray(0, bytesRead));
      at += bytesRead;
    }
  } finally {
    await handle.close();
  }
  return hash.digest('hex');
}
