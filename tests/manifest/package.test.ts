import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import JSZip from 'jszip';
import { parsePackageConfig, PackageConfigError } from '../../manifest/config';
import {
  buildManifest,
  bundledSchemaDir,
  checkIconPaths,
  checkLocalisationAgrees,
  createPackage,
  fillTemplate,
  PackageError,
  readJson,
  TEMPLATE_FILE,
  validateLocalisation,
  validateManifest,
  type Localisation,
  type Manifest,
} from '../../manifest/build';
import { ICONS_DIR } from '../../manifest/icons';
import { CONFIGURE_TAB_PATH } from '../../bot/teams/configure-tab.routes';
import { childEnvironment } from '../../bot/config';

const ROOT = join(__dirname, '..', '..');

const VALID_ENV = {
  TEAMS_APP_ID: '6f1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d',
  MICROSOFT_APP_ID: '2a7c9e41-53b8-4d06-9f1e-8c3b5a7d2e90',
  SSO_CLIENT_ID: '9D4E6F80-1A2B-4C3D-8E5F-6A7B8C9D0E1F',
  PUBLIC_URL: 'https://engagement.example.ac.uk/',
  MANIFEST_PRIVACY_URL: 'https://www.example.ac.uk/privacy/engagement-monitoring',
};

function newestBundledVersion(): string {
  const versions = readdirSync(bundledSchemaDir())
    .map((dir) => /^v(\d+)\.(\d+)$/.exec(dir))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => [Number(m[1]), Number(m[2])] as const)
    .sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  const [major, minor] = versions.at(-1)!;
  return `${major}.${minor}`;
}

async function unzip(file: string): Promise<Map<string, Buffer>> {
  const zip = await JSZip.loadAsync(readFileSync(file));
  const entries = new Map<string, Buffer>();
  for (const name of Object.keys(zip.files)) entries.set(name, await zip.file(name)!.async('nodebuffer'));
  return entries;
}

/** Runs `npm run package`'s script as an operator would, with only the given settings. */
function runPackageScript(env: Record<string, string>, outFile: string) {
  const blank = Object.fromEntries(
    [...Object.keys(VALID_ENV), 'MANIFEST_VERSION', 'MANIFEST_DEVELOPER_NAME', 'MANIFEST_WEBSITE_URL', 'MANIFEST_TERMS_URL'].map((k) => [
      k,
      '',
    ]),
  );
  return spawnSync(join(ROOT, 'node_modules', '.bin', 'tsx'), ['manifest/package.ts', '--out', outFile], {
    cwd: ROOT,
    env: childEnvironment({ ...blank, ...env }),
    encoding: 'utf8',
    timeout: 60_000,
  });
}

describe('the app package', () => {
  let dir: string;
  const realFetch = globalThis.fetch;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'engagement-package-'));
    // Validation must work offline: any attempt to fetch a schema fails the test.
    globalThis.fetch = (async (url: string | URL | Request) => {
      throw new Error(`network blocked in tests: ${String(url)}`);
    }) as typeof fetch;
  });
  afterEach(() => {
    globalThis.fetch = realFetch;
    rmSync(dir, { recursive: true, force: true });
  });

  it('when the template is read, then it uses the newest manifest schema that @microsoft/app-manifest bundles', () => {
    const template = readJson<{ manifestVersion: string; $schema: string }>(TEMPLATE_FILE);
    const newest = newestBundledVersion();

    expect(template.manifestVersion).toBe(newest);
    expect(template.$schema).toBe(`https://developer.microsoft.com/json-schemas/teams/v${newest}/MicrosoftTeams.schema.json`);
  });

  it('when packaging with valid settings, then the zip holds a manifest that passes the bundled schema offline', async () => {
    const outFile = join(dir, 'engagement-monitor.zip');

    const result = await createPackage(parsePackageConfig(VALID_ENV), outFile);
    const entries = await unzip(outFile);
    const manifest = JSON.parse(entries.get('manifest.json')!.toString('utf8')) as Manifest;
    const strings = JSON.parse(entries.get('en-gb.json')!.toString('utf8')) as Localisation;

    expect([...entries.keys()].sort()).toEqual(['color.png', 'en-gb.json', 'manifest.json', 'outline.png']);
    expect(result.files).toEqual(['color.png', 'en-gb.json', 'manifest.json', 'outline.png']);
    expect(await validateManifest(manifest)).toEqual([]);
    expect(validateLocalisation(strings, manifest.manifestVersion)).toEqual([]);
    expect(checkLocalisationAgrees(manifest, strings)).toEqual([]);
    expect(entries.get('color.png')!.equals(readFileSync(join(ICONS_DIR, 'color.png')))).toBe(true);
    expect(entries.get('outline.png')!.equals(readFileSync(join(ICONS_DIR, 'outline.png')))).toBe(true);
  });

  it('when packaging, then the manifest carries the configured ids, the bot commands, both tabs and tab SSO for the host', () => {
    const manifest = buildManifest(parsePackageConfig(VALID_ENV)) as unknown as {
      id: string;
      version: string;
      localizationInfo: { defaultLanguageTag: string };
      bots: Array<{ botId: string; scopes: string[]; commandLists: Array<{ scopes: string[]; commands: Array<{ title: string }> }> }>;
      staticTabs: Array<{ entityId: string; contentUrl?: string; scopes: string[] }>;
      configurableTabs: Array<{ configurationUrl: string; scopes: string[] }>;
      validDomains: string[];
      webApplicationInfo: { id: string; resource: string };
      developer: { websiteUrl: string; privacyUrl: string; termsOfUseUrl: string };
    };

    expect(manifest.id).toBe(VALID_ENV.TEAMS_APP_ID);
    expect(manifest.version).toBe(readJson<{ version: string }>(join(ROOT, 'package.json')).version);
    expect(manifest.localizationInfo.defaultLanguageTag).toBe('en-gb');
    expect(manifest.bots).toHaveLength(1);
    expect(manifest.bots[0]!.botId).toBe(VALID_ENV.MICROSOFT_APP_ID);
    expect(manifest.bots[0]!.scopes).toEqual(['personal']);
    expect(manifest.bots[0]!.commandLists[0]!.commands.map((c) => c.title)).toEqual(['my students', 'help']);
    expect(manifest.staticTabs[0]).toMatchObject({ contentUrl: 'https://engagement.example.ac.uk/', scopes: ['personal'] });
    expect(manifest.configurableTabs[0]).toMatchObject({
      configurationUrl: `https://engagement.example.ac.uk${CONFIGURE_TAB_PATH}`,
      scopes: ['team'],
    });
    expect(manifest.validDomains).toEqual(['engagement.example.ac.uk']);
    // Entra shows client ids in lower case; the manifest and the Application ID URI must match it exactly.
    expect(manifest.webApplicationInfo).toEqual({
      id: '9d4e6f80-1a2b-4c3d-8e5f-6a7b8c9d0e1f',
      resource: 'api://engagement.example.ac.uk/9d4e6f80-1a2b-4c3d-8e5f-6a7b8c9d0e1f',
    });
    expect(manifest.developer.termsOfUseUrl).toBe(VALID_ENV.MANIFEST_PRIVACY_URL);
  });

  it('when the same settings are packaged twice, then the two zips are byte-for-byte the same', async () => {
    const config = parsePackageConfig(VALID_ENV);
    await createPackage(config, join(dir, 'a.zip'));
    await createPackage(config, join(dir, 'b.zip'));

    expect(readFileSync(join(dir, 'a.zip')).equals(readFileSync(join(dir, 'b.zip')))).toBe(true);
  });

  it.each([
    ['TEAMS_APP_ID', undefined, 'TEAMS_APP_ID: missing'],
    ['TEAMS_APP_ID', 'my-app', 'TEAMS_APP_ID: expected a GUID'],
    ['MICROSOFT_APP_ID', '00000000-0000-0000-0000-000000000000', 'MICROSOFT_APP_ID: is the all-zero placeholder GUID'],
    ['SSO_CLIENT_ID', undefined, 'SSO_CLIENT_ID: missing'],
    ['PUBLIC_URL', undefined, 'PUBLIC_URL: missing'],
    ['PUBLIC_URL', 'http://engagement.example.ac.uk', 'PUBLIC_URL: expected an https:// address'],
    ['PUBLIC_URL', 'https://engagement.example.ac.uk/monitor', 'PUBLIC_URL: must be the site root'],
    ['MANIFEST_PRIVACY_URL', undefined, 'MANIFEST_PRIVACY_URL: missing'],
    ['MANIFEST_VERSION', '1.0', 'MANIFEST_VERSION: expected MAJOR.MINOR.PATCH'],
    ['MANIFEST_DEVELOPER_NAME', 'The University of Somewhere Student Services', 'MANIFEST_DEVELOPER_NAME: must be at most 32 characters'],
  ])('when %s is %p, then the settings are refused with "%s"', (name, value, message) => {
    const env: Record<string, string | undefined> = { ...VALID_ENV, [name]: value };

    expect(() => parsePackageConfig(env)).toThrow(PackageConfigError);
    expect(() => parsePackageConfig(env)).toThrow(message);
  });

  it('when several settings are wrong, then every one is reported at once', () => {
    let error: unknown;
    try {
      parsePackageConfig({ PUBLIC_URL: 'ftp://example.ac.uk', SSO_CLIENT_ID: 'nope' });
    } catch (caught) {
      error = caught;
    }

    expect(error).toBeInstanceOf(PackageConfigError);
    expect((error as PackageConfigError).problems.map((p) => p.split(':')[0]).sort()).toEqual([
      'MANIFEST_PRIVACY_URL',
      'MICROSOFT_APP_ID',
      'PUBLIC_URL',
      'SSO_CLIENT_ID',
      'TEAMS_APP_ID',
    ]);
  });

  it('when the template names a placeholder no setting fills, then it is refused', () => {
    expect(() => fillTemplate({ id: '{{TEAMS_APP_ID}}', name: '{{UNIVERSITY}}' }, { TEAMS_APP_ID: 'x' })).toThrow(PackageError);
    expect(() => fillTemplate({ name: '{{UNIVERSITY}}' }, {})).toThrow('placeholder {{UNIVERSITY}} has no configuration value');
  });

  it('when a value contains JSON syntax, then it stays inside its string', () => {
    const filled = fillTemplate({ name: '{{DEVELOPER_NAME}}' }, { DEVELOPER_NAME: 'A "quoted", {braced} name' });

    expect(filled).toEqual({ name: 'A "quoted", {braced} name' });
  });

  it('when the localisation file disagrees with the manifest, then the difference is named', () => {
    const manifest = buildManifest(parsePackageConfig(VALID_ENV));
    const strings = readJson<Localisation>(join(ROOT, 'manifest', 'en-gb.json'));

    const problems = checkLocalisationAgrees(manifest, { ...strings, 'name.short': 'Engagement Tracker', 'staticTabs[5].name': 'Ghost' });

    expect(problems).toEqual([
      'name.short: the localisation file says "Engagement Tracker" but the manifest says "Engagement Monitor"',
      'staticTabs[5].name: in the localisation file but not in the manifest',
    ]);
  });

  it('when the manifest names an icon the package does not carry, then it is refused', () => {
    const manifest = buildManifest(parsePackageConfig(VALID_ENV));

    expect(checkIconPaths({ ...manifest, icons: { color: 'icon-192.png', outline: 'outline.png' } })).toEqual([
      'manifest.json/icons/color: expected "color.png", the file the package carries',
    ]);
  });

  it('when the manifest breaks the schema, then the bundled schema reports where', async () => {
    const manifest = buildManifest(parsePackageConfig(VALID_ENV));

    const problems = await validateManifest({ ...manifest, accentColor: 'teal' });

    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain('/accentColor must match pattern');
  });

  it('when npm run package runs with the settings missing, then it exits non-zero, names each one and writes nothing', () => {
    const outFile = join(dir, 'refused.zip');

    const run = runPackageScript({ PUBLIC_URL: 'http://localhost:3978' }, outFile);

    expect(run.status).toBe(1);
    for (const name of ['TEAMS_APP_ID', 'MICROSOFT_APP_ID', 'SSO_CLIENT_ID', 'PUBLIC_URL', 'MANIFEST_PRIVACY_URL'])
      expect(run.stderr).toContain(`${name}:`);
    expect(run.stderr).toContain('No package was written.');
    expect(existsSync(outFile)).toBe(false);
  });

  it('when npm run package runs with valid settings, then it writes the zip and says where', async () => {
    const outFile = join(dir, 'engagement-monitor.zip');

    const run = runPackageScript(VALID_ENV, outFile);

    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(run.stdout).toContain('api://engagement.example.ac.uk/9d4e6f80-1a2b-4c3d-8e5f-6a7b8c9d0e1f');
    expect([...(await unzip(outFile)).keys()]).toContain('manifest.json');
  });
});
