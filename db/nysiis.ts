// NYSIIS (New York State Identification and Intelligence System) phonetic key, the one NCIC's
// name search uses. Full length, not truncated to six letters: fewer false matches, and the
// Double Metaphone key (computed by PostgreSQL's fuzzystrmatch) catches what NYSIIS misses.

const VOWELS = new Set(['A', 'E', 'I', 'O', 'U']);

export function nysiis(input: string): string {
  let s = input.toUpperCase().replace(/[^A-Z]/g, '');
  if (s === '') return '';

  // 1. Leading letters.
  if (s.startsWith('MAC')) s = 'MCC' + s.slice(3);
  else if (s.startsWith('KN')) s = 'NN' + s.slice(2);
  else if (s.startsWith('K')) s = 'C' + s.slice(1);
  else if (s.startsWith('PH') || s.startsWith('PF')) s = 'FF' + s.slice(2);
  else if (s.startsWith('SCH')) s = 'SSS' + s.slice(3);

  // 2. Trailing letters.
  if (/(EE|IE)$/.test(s)) s = s.slice(0, -2) + 'Y';
  else if (/(DT|RT|RD|NT|ND)$/.test(s)) s = s.slice(0, -2) + 'D';

  // 3. The key starts with the first letter of the name.
  let key = s[0]!;

  // 4. Translate the rest in place (later rules look at the translated letter before them),
  //    adding each result to the key unless it repeats the key's last letter.
  const c = s.split('');
  const vowel = (ch: string | undefined) => ch !== undefined && VOWELS.has(ch);
  for (let i = 1; i < c.length; i++) {
    let width = 1;
    if (c[i] === 'E' && c[i + 1] === 'V') {
      c[i] = 'A';
      c[i + 1] = 'F';
      width = 2;
    } else if (vowel(c[i])) c[i] = 'A';
    else if (c[i] === 'Q') c[i] = 'G';
    else if (c[i] === 'Z') c[i] = 'S';
    else if (c[i] === 'M') c[i] = 'N';
    else if (c[i] === 'K') c[i] = c[i + 1] === 'N' ? 'N' : 'C';
    else if (c[i] === 'S' && c[i + 1] === 'C' && c[i + 2] === 'H') {
      c[i + 1] = c[i + 2] = 'S';
      width = 3;
    } else if (c[i] === 'P' && c[i + 1] === 'H') {
      c[i] = c[i + 1] = 'F';
      width = 2;
    } else if (c[i] === 'H' && (!vowel(c[i - 1]) || !vowel(c[i + 1]))) c[i] = c[i - 1]!;
    else if (c[i] === 'W' && vowel(c[i - 1])) c[i] = c[i - 1]!;
    for (let j = i; j < i + width; j++) if (c[j] !== key[key.length - 1]) key += c[j];
    i += width - 1;
  }

  // 5–7. Trailing S, AY, A.
  if (key.length > 1 && key.endsWith('S')) key = key.slice(0, -1);
  if (key.endsWith('AY')) key = key.slice(0, -2) + 'Y';
  if (key.length > 1 && key.endsWith('A')) key = key.slice(0, -1);
  return key;
}
