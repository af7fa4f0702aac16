/** Lower-cases, straightens quotes and collapses spaces, so "Can’t  go ON" matches "can't go on". */
function normalise(text: string): string {
  return text.toLowerCase().replace(/[’‘`]/g, "'").replace(/\s+/g, ' ').trim();
}

/**
 * The configured urgent terms that occur in a message, as whole words or phrases. Deliberately
 * generous: a false alarm costs a kind message, a miss can cost far more.
 */
export function findUrgentTerms(text: string, terms: readonly string[]): string[] {
  const message = ` ${normalise(text).replace(/[^\p{L}\p{N}' -]/gu, ' ')} `.replace(/\s+/g, ' ');
  return [...new Set(terms.map(normalise).filter((t) => t !== ''))].filter((term) =>
    message.includes(` ${term.replace(/[^\p{L}\p{N}' -]/gu, ' ').replace(/\s+/g, ' ')} `),
  );
}
