// Person names as NCIC writes them: `LAST, FIRST MIDDLE SUFFIX`. One parse, one normal form,
// one set of search keys, used for restrained persons, aliases and protected persons alike.
import { nysiis } from './nysiis.ts';

export interface PersonName {
  last: string;
  first: string;
  middle: string;
  suffix: string;
}

const SUFFIXES = new Set(['JR', 'SR', 'II', 'III', 'IV', 'V', 'VI']);

const squash = (s: string) => s.toUpperCase().replace(/\s+/g, ' ').trim();

/** Parses `LAST, FIRST MIDDLE SUFFIX` (the comma and everything after it optional). */
export function parseName(text: string): PersonName {
  const [lastPart = '', rest = ''] = text.split(',', 2);
  const last = squash(lastPart);
  const tokens = squash(rest).split(' ').filter(Boolean);
  let suffix = '';
  if (tokens.length > 1 && SUFFIXES.has(tokens[tokens.length - 1]!)) suffix = tokens.pop()!;
  const [first = '', ...middle] = tokens;
  return { last, first, middle: middle.join(' '), suffix };
}

export function formatName(n: PersonName): string {
  const given = [n.first, n.middle, n.suffix].filter(Boolean).join(' ');
  return given ? `${n.last}, ${given}` : n.last;
}

/** The last name reduced to letters: what both phonetic keys are computed from. */
export const phoneticBase = (last: string) => last.replace(/[^A-Z]/g, '');

export interface NameKeys {
  nameNorm: string;
  firstInitial: string;
  lastNysiis: string;
}

export function nameKeys(n: PersonName): NameKeys {
  return { nameNorm: formatName(n), firstInitial: n.first.slice(0, 1), lastNysiis: nysiis(phoneticBase(n.last)) };
}
