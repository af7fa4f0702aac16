import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export const ICONS_DIR = join(__dirname, 'icons');

/** The two icons Teams requires, by the file name used inside the package and their exact size. */
export const ICONS = [
  { name: 'color', file: 'color.png', size: 192 },
  { name: 'outline', file: 'outline.png', size: 32 },
] as const;

export type IconName = (typeof ICONS)[number]['name'];

/**
 * Renders one icon's SVG source art to PNG at its required size. resvg is a native module and only
 * needed when the art changes, so it is loaded here rather than by the packaging script.
 */
export function renderIcon(name: IconName): Buffer {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { Resvg } = require('@resvg/resvg-js') as typeof import('@resvg/resvg-js');
  const icon = ICONS.find((i) => i.name === name)!;
  const svg = readFileSync(join(ICONS_DIR, `${name}.svg`));
  return new Resvg(svg, { fitTo: { mode: 'width', value: icon.size }, font: { loadSystemFonts: false } }).render().asPng();
}
