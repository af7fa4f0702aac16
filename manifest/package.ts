import { relative } from 'node:path';
import { parseArgs } from 'node:util';
import { loadPackageConfig, PackageConfigError } from './config';
import { createPackage, DEFAULT_OUT_FILE, PackageError } from './build';

/** `npm run package [-- --out <file>]`: writes the Teams app package for this deployment. */
async function main(): Promise<void> {
  const { values } = parseArgs({ options: { out: { type: 'string' } } });
  const outFile = values.out ?? DEFAULT_OUT_FILE;
  const result = await createPackage(loadPackageConfig(), outFile);
  const m = result.manifest as unknown as { id: string; version: string; validDomains: string[]; webApplicationInfo: { resource: string } };
  console.log(`Wrote ${relative(process.cwd(), result.outFile) || result.outFile}`);
  console.log(`  app id ${m.id}, version ${m.version}, manifest schema ${result.manifest.manifestVersion}`);
  console.log(`  valid domain ${m.validDomains.join(', ')}; SSO resource ${m.webApplicationInfo.resource}`);
  console.log(`  files: ${result.files.join(', ')}`);
  console.log('Upload it in the Teams admin centre: Teams apps > Manage apps > Actions > Upload new app (docs/deploy.md).');
}

main().catch((error: unknown) => {
  if (error instanceof PackageConfigError || error instanceof PackageError) {
    console.error(error.message);
    console.error('See docs/deploy.md for where each value comes from. No package was written.');
  } else {
    console.error('Packaging failed unexpectedly:', error);
  }
  process.exitCode = 1;
});
