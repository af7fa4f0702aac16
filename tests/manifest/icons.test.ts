import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { ICONS_DIR, renderIcon } from '../../manifest/icons';
import { readJson, TEMPLATE_FILE } from '../../manifest/build';

const COLOUR_TYPE_RGBA = 6;
/** The colour type byte of a PNG's IHDR chunk, which always comes first. */
const IHDR_COLOUR_TYPE_OFFSET = 25;

function readPng(file: string): PNG {
  return PNG.sync.read(readFileSync(join(ICONS_DIR, file)));
}

function pixel(png: PNG, x: number, y: number): [number, number, number, number] {
  const i = (png.width * y + x) * 4;
  return [png.data[i]!, png.data[i + 1]!, png.data[i + 2]!, png.data[i + 3]!];
}

function pixels(png: PNG): Array<[number, number, number, number]> {
  const all: Array<[number, number, number, number]> = [];
  for (let y = 0; y < png.height; y += 1) for (let x = 0; x < png.width; x += 1) all.push(pixel(png, x, y));
  return all;
}

function hex([r, g, b]: [number, number, number, number]): string {
  return `#${[r, g, b].map((c) => c.toString(16).padStart(2, '0')).join('')}`.toUpperCase();
}

describe('the app icons', () => {
  it('when the colour icon is read, then it is 192x192, fully opaque, on the accent colour, with a white figure', () => {
    const png = readPng('color.png');
    const accent = readJson<{ accentColor: string }>(TEMPLATE_FILE).accentColor.toUpperCase();

    expect([png.width, png.height]).toEqual([192, 192]);
    expect(pixels(png).every(([, , , a]) => a === 255)).toBe(true);
    for (const [x, y] of [
      [0, 0],
      [191, 0],
      [0, 191],
      [191, 191],
    ] as const)
      expect(hex(pixel(png, x, y))).toBe(accent);
    const white = pixels(png).filter(([r, g, b]) => r === 255 && g === 255 && b === 255).length;
    expect(white / (192 * 192)).toBeGreaterThan(0.1);
  });

  it('when the outline icon is read, then it is 32x32, white on a transparent background', () => {
    const png = readPng('outline.png');
    const all = pixels(png);

    expect([png.width, png.height]).toEqual([32, 32]);
    expect(readFileSync(join(ICONS_DIR, 'outline.png'))[IHDR_COLOUR_TYPE_OFFSET]).toBe(COLOUR_TYPE_RGBA);
    // Every visible pixel is white; anti-aliased edges differ only in alpha.
    expect(all.filter(([r, g, b, a]) => a > 0 && (r !== 255 || g !== 255 || b !== 255))).toEqual([]);
    for (const [x, y] of [
      [0, 0],
      [31, 0],
      [0, 31],
    ] as const)
      expect(pixel(png, x, y)[3]).toBe(0);
    const transparent = all.filter(([, , , a]) => a === 0).length;
    const opaque = all.filter(([, , , a]) => a === 255).length;
    expect(transparent / all.length).toBeGreaterThan(0.4);
    expect(opaque / all.length).toBeGreaterThan(0.1);
  });

  it.each(['color', 'outline'] as const)('when the %s SVG source art is rendered again, then the committed PNG matches it', (name) => {
    const committed = readPng(`${name}.png`);
    const fresh = PNG.sync.read(renderIcon(name));

    expect([fresh.width, fresh.height]).toEqual([committed.width, committed.height]);
    let worst = 0;
    for (let i = 0; i < fresh.data.length; i += 1) worst = Math.max(worst, Math.abs(fresh.data[i]! - committed.data[i]!));
    // A renderer update may move an anti-aliased edge by a shade; edited art moves far more. Run `npm run icons` after editing.
    expect(worst).toBeLessThanOrEqual(8);
  });
});
