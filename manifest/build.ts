import { readFileSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { AppManifestUtils, type AppManifest } from '@microsoft/app-manifest';
import JSZip from 'jszip';
import AjvDraft04 from 'ajv-draft-04';
import addFormats from 'ajv-formats';
import type { PackageConfig } from './config';
import { ICONS, ICONS_DIR } from './icons';

export const MANIFEST_DIR = __dirname;
export const TEMPLATE_FILE = join(MANIFEST_DIR, 'manifest.template.json');
export const DEFAULT_OUT_FILE = join(MANIFEST_DIR, '..', 'build', 'engagement-monitor.zip');

type Json = string | number | boolean | null | Json[] | { [key: string]: Json };
export type Manifest = { manifestVersion: string; localizationInfo?: { defaultLanguageFile?: string }; [key: string]: Json | undefined };
export type Localisation = Record<string, string>;

export class PackageError extends Error {
  constructor(readonly problems: string[]) {
    super(`Cannot build the app package:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'PackageError';
  }
}

export function readJson<T>(file: string): T {
  return JSON.parse(readFileSync(file, 'utf8')) as T;
}

/** The template's `{{NAME}}` placeholders and the configuration value each one takes. */
export function placeholderValues(config: PackageConfig): Record<string, string> {
  return {
    TEAMS_APP_ID: config.teamsAppId,
    BOT_ID: config.botId,
    SSO_CLIENT_ID: config.ssoClientId,
    PUBLIC_URL: config.publicUrl,
    HOST: config.host,
    VERSION: config.version,
    DEVELOPER_NAME: config.developer.name,
    WEBSITE_URL: config.developer.websiteUrl,
    PRIVACY_URL: config.developer.privacyUrl,
    TERMS_URL: config.developer.termsOfUseUrl,
  };
}

/**
 * Fills the placeholders inside the template's string values (never in its raw text, so a value
 * can never break the JSON) and refuses a template that names a placeholder nobody fills.
 */
export function fillTemplate(template: Json, values: Record<string, string>): Json {
  const unknown = new Set<string>();
  const fill = (node: Json): Json => {
    if (typeof node === 'string') {
      return node.replace(/\{\{([A-Z_]+)\}\}/g, (whole, name: string) => {
        if (!(name in values)) unknown.add(name);
        return values[name] ?? whole;
      });
    }
    if (Array.isArray(node)) return node.map(fill);
    if (node !== null && typeof node === 'object') return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, fill(v)]));
    return node;
  };
  const filled = fill(template);
  if (unknown.size > 0)
    throw new PackageError([...unknown].map((name) => `manifest.template.json: placeholder {{${name}}} has no configuration value`));
  return filled;
}

export function buildManifest(config: PackageConfig, template: Json = readJson<Json>(TEMPLATE_FILE)): Manifest {
  return fillTemplate(template, placeholderValues(config)) as Manifest;
}

/** The folder of JSON schemas that @microsoft/app-manifest ships, one per manifest version. */
export function bundledSchemaDir(): string {
  return join(dirname(require.resolve('@microsoft/app-manifest/package.json')), 'build', 'json-schemas', 'teams');
}

function bundledSchema(manifestVersion: string, kind: 'MicrosoftTeams' | 'MicrosoftTeams.Localization'): AppManifestSchema {
  const file = join(bundledSchemaDir(), `v${manifestVersion}`, `${kind}.schema.json`);
  if (!existsSync(file))
    throw new PackageError([`manifestVersion ${manifestVersion}: @microsoft/app-manifest bundles no ${kind} schema for it`]);
  return readJson<AppManifestSchema>(file);
}

type AppManifestSchema = NonNullable<Parameters<typeof AppManifestUtils.validateAgainstSchema>[1]>;

/**
 * Validates against the JSON schema bundled with @microsoft/app-manifest. The schema is passed in
 * explicitly: left to itself the library fetches any schema it does not find locally.
 */
export async function validateManifest(manifest: Manifest): Promise<string[]> {
  return AppManifestUtils.validateAgainstSchema(
    manifest as unknown as AppManifest,
    bundledSchema(manifest.manifestVersion, 'MicrosoftTeams'),
  );
}

/**
 * The localisation schema's patterns are written for JavaScript's non-Unicode regular expressions
 * (one has a bare `]`), which the library's validator (Unicode mode) cannot compile, so this uses
 * the same draft-04 validator with Unicode mode off.
 */
export function validateLocalisation(strings: Localisation, manifestVersion: string): string[] {
  const ajv = new AjvDraft04({ allErrors: true, strictTypes: false, unicodeRegExp: false });
  addFormats(ajv, ['uri', 'email', 'regex']);
  const validate = ajv.compile(bundledSchema(manifestVersion, 'MicrosoftTeams.Localization') as object);
  if (validate(strings)) return [];
  return (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message ?? ''}. Details: ${JSON.stringify(e.params)}`);
}

/** Reads a localisation key such as `bots[0].commandLists[0].commands[1].title` out of the manifest. */
function valueAt(manifest: Manifest, key: string): Json | undefined {
  const steps = key.match(/[^.[\]]+/g) ?? [];
  let node: Json | undefined = manifest as unknown as Json;
  for (const step of steps) {
    if (node === null || typeof node !== 'object') return undefined;
    node = Array.isArray(node) ? node[Number(step)] : node[step];
  }
  return node;
}

/**
 * The default-language file overrides the manifest's own strings, so the two must say the same
 * thing: otherwise what an administrator reviews in manifest.json is not what users see.
 */
export function checkLocalisationAgrees(manifest: Manifest, strings: Localisation): string[] {
  return Object.entries(strings)
    .filter(([key]) => key !== '$schema')
    .flatMap(([key, text]) => {
      const inManifest = valueAt(manifest, key);
      if (inManifest === undefined) return [`${key}: in the localisation file but not in the manifest`];
      return inManifest === text ? [] : [`${key}: the localisation file says "${text}" but the manifest says "${String(inManifest)}"`];
    });
}

/** The manifest must name exactly the icon files the package carries. */
export function checkIconPaths(manifest: Manifest): string[] {
  const icons = (manifest.icons ?? {}) as Record<string, Json>;
  return ICONS.filter((icon) => icons[icon.name] !== icon.file).map(
    (icon) => `manifest.json/icons/${icon.name}: expected "${icon.file}", the file the package carries`,
  );
}

export interface PackageResult {
  outFile: string;
  manifest: Manifest;
  files: string[];
}

/** Fills, validates and zips the app package; refuses, with every problem listed, when anything is wrong. */
export async function createPackage(config: PackageConfig, outFile = DEFAULT_OUT_FILE): Promise<PackageResult> {
  const manifest = buildManifest(config);
  const languageFile = manifest.localizationInfo?.defaultLanguageFile;
  if (!languageFile) throw new PackageError(['manifest.template.json: localizationInfo.defaultLanguageFile is missing']);
  const strings = readJson<Localisation>(join(MANIFEST_DIR, languageFile));

  const problems = [
    ...(await validateManifest(manifest)).map((p) => `manifest.json${p}`),
    ...validateLocalisation(strings, manifest.manifestVersion).map((p) => `${languageFile}${p}`),
    ...checkLocalisationAgrees(manifest, strings).map((p) => `${languageFile}: ${p}`),
    ...checkIconPaths(manifest),
  ];
  if (problems.length > 0) throw new PackageError(problems);

  // A fixed timestamp keeps the zip byte-for-byte the same for the same inputs.
  const date = new Date(Date.UTC(2020, 0, 1));
  const zip = new JSZip();
  zip.file('manifest.json', `${JSON.stringify(manifest, null, 2)}\n`, { date });
  zip.file(languageFile, readFileSync(join(MANIFEST_DIR, languageFile)), { date });
  for (const icon of ICONS) zip.file(icon.file, readFileSync(join(ICONS_DIR, icon.file)), { date });
  const bytes = await zip.generateAsync({ type: 'nodebuffer', compression: 'DEFLATE', platform: 'UNIX' });

  mkdirSync(dirname(outFile), { recursive: true });
  writeFileSync(outFile, bytes);
  return { outFile, manifest, files: Object.keys(zip.files).sort() };
}
