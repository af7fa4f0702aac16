import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ICONS, ICONS_DIR, renderIcon } from './icons';

// Run after editing manifest/icons/*.svg (`npm run icons`), then commit the PNGs with the SVGs:
// packaging zips the committed PNGs, so it needs no native renderer.
for (const icon of ICONS) {
  const png = renderIcon(icon.name);
  writeFileSync(join(ICONS_DIR, icon.file), png);
  console.log(`manifest/icons/${icon.file}: ${icon.size}x${icon.size}, ${png.length} bytes`);
}
