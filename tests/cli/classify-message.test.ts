import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCliInProcess } from '../support/cli';

describe('engagement classify-message', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'em-classify-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('when a university checks a wording, then it prints the tier and the phrase that decided it, in words or JSON', async () => {
    const words = await runCliInProcess(['classify-message', 'honestly i feel like giving up on everything, whats the point'], {});
    expect(words).toEqual({ code: 0, stdout: 'risk: "giving up on life" (matched "giving up on everything")\n', stderr: [] });
    const json = await runCliInProcess(['classify-message', "I'm not going to hurt myself", '--json'], {});
    expect(JSON.parse(json.stdout)).toEqual({ tier: 'distress', phrase: 'self-harm', excerpt: 'hurt myself', negated: true });
    expect((await runCliInProcess(['classify-message', 'this deadline is killing me'], {})).stdout).toBe(
      'none: no phrase from the wellbeing lists matched\n',
    );
  });

  it("when the university's phrase file adds a local wording, then the command uses it; a broken file is named in one line", async () => {
    const file = join(dir, 'phrases.json');
    writeFileSync(file, JSON.stringify({ risk: ['going to the viaduct tonight'] }));
    const local = await runCliInProcess(['classify-message', 'im goin 2 the VIADUCT tonight', '--json'], { WELLBEING_PHRASES_FILE: file });
    expect(JSON.parse(local.stdout)).toMatchObject({ tier: 'risk', phrase: 'going to the viaduct tonight' });
    writeFileSync(file, '{"risk": ["unterminated"');
    const broken = await runCliInProcess(['classify-message', 'hello'], { WELLBEING_PHRASES_FILE: file });
    expect(broken.code).toBe(1);
    expect(broken.stderr).toEqual([
      expect.stringMatching(/^engagement: Invalid configuration: WELLBEING_PHRASES_FILE: cannot read .*phrases\.json as JSON/),
    ]);
  });
});
