import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

/**
 * The repository root (the folder holding package.json), found from this file whether it runs from
 * the TypeScript sources (bot/) or from the compiled build (build/bot/).
 */
export function projectRoot(): string {
  for (let dir = __dirname; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) throw new Error(`no package.json above ${__dirname}`);
  }
}
