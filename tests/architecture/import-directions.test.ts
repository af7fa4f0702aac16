import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

// The lint rule that keeps docs/architecture.md's map of bot/ true: a test that it still fires.
// ESLint's flat config is an ES module, which jest cannot load in process, so the real CLI reads stdin.
const root = join(__dirname, '..', '..');

async function restrictedImports(filePath: string, code: string): Promise<string[]> {
  const run = spawnSync(
    process.execPath,
    [join(root, 'node_modules', 'eslint', 'bin', 'eslint.js'), '--format', 'json', '--stdin', '--stdin-filename', filePath],
    {
      cwd: root,
      input: code,
      encoding: 'utf8',
    },
  );
  const [result] = JSON.parse(run.stdout) as { messages: { ruleId: string | null; message: string }[] }[];
  return (result?.messages ?? []).filter((m) => m.ruleId === '@typescript-eslint/no-restricted-imports').map((m) => m.message);
}

describe('import directions of bot/', () => {
  it('when the store imports a command, then lint refuses it', async () => {
    const messages = await restrictedImports(
      'bot/store/example.repository.ts',
      "import { performCaseAction } from '../commands/case-actions.command';\nexport const x = performCaseAction;\n",
    );
    expect(messages).toEqual([expect.stringContaining('bot/store/ may not import bot/commands/')]);
  });

  it('when a presenter imports a store value, then lint refuses it, but a type import passes', async () => {
    const value = await restrictedImports(
      'bot/presenters/example.presenter.ts',
      "import { findStudent } from '../store/student.repository';\nexport const y = findStudent;\n",
    );
    expect(value).toEqual([expect.stringContaining('may import only types from bot/store/')]);
    const typeOnly = await restrictedImports(
      'bot/presenters/example.presenter.ts',
      "import type { StudentRecord } from '../store/student.repository';\nexport type Y = StudentRecord;\n",
    );
    expect(typeOnly).toEqual([]);
  });

  it('when teams/ imports api/ or a nested ingest module imports teams/, then lint refuses it', async () => {
    expect(await restrictedImports('bot/teams/example.ts', "import { x } from '../api/routes';\nexport const z = x;\n")).toHaveLength(1);
    expect(
      await restrictedImports('bot/ingest/formats/example.ts', "import { x } from '../../teams/cards';\nexport const z = x;\n"),
    ).toHaveLength(1);
  });

  it('when a folder imports shared/ modules whose names match bot folders, then lint allows it', async () => {
    const messages = await restrictedImports(
      'bot/store/example.repository.ts',
      "import type { RulesConfig } from '../../shared/rules/config';\nimport type { X } from '../../shared/api/flags';\nexport type Z = [RulesConfig, X];\n",
    );
    expect(messages).toEqual([]);
  });

  it('when a module below bot/ imports an entry point, then lint refuses it', async () => {
    expect(
      await restrictedImports('bot/commands/example.command.ts', "import { createApp } from '../app';\nexport const a = createApp;\n"),
    ).toEqual([expect.stringContaining('Nothing imports an entry point.')]);
  });
});
