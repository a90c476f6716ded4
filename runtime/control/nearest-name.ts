/**
 * "Did you mean …?" for a mistyped device id, command or package id: the known name with the
 * smallest edit distance, offered only when it is close enough to be a typo.
 */
export function nearestName(wanted: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const name of known) {
    const distance = editDistance(wanted.toLowerCase(), name.toLowerCase());
    if (distance < bestDistance) {
      best = name;
      bestDistance = distance;
    }
  }
  // A third of the name may be wrong (at least 2 edits): "finger" finds "fingerprint" only by prefix.
  if (best === undefined) return undefined;
  const tolerated = Math.max(2, Math.floor(best.length / 3));
  if (bestDistance <= tolerated) return best;
  return known.find((name) => wanted.length >= 3 && name.toLowerCase().startsWith(wanted.toLowerCase()));
}

/** Levenshtein distance, two rows. */
export function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i += 1) {
    const current = [i];
    for (let j = 1; j <= b.length; j += 1) {
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length]!;
}
