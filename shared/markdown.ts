const INLINE_MARKERS = /[\\`*_[\]<>~|]/g;
const LINE_START_MARKERS = /^(\s*)([#+-]|\d+\.)/gm;

/**
 * Makes text that did not come from us (a student's message, a roster name, a file name) show as
 * itself in a Teams message or Adaptive Card TextBlock, both of which render Markdown. Markers that
 * act anywhere (emphasis, code, links, autolinks, tables) are backslash-escaped, and so are those that
 * only act at the start of a line (headings, lists); `[Open case file](https://x)` then reads as typed,
 * not as a link, while "Anne-Marie (year 2)" stays as it is.
 */
export function escapeMarkdown(value: string): string {
  return value
    .replace(INLINE_MARKERS, '\\$&')
    .replace(LINE_START_MARKERS, (_m, space: string, marker: string) =>
      marker.endsWith('.') ? `${space}${marker.slice(0, -1)}\\.` : `${space}\\${marker}`,
    );
}
