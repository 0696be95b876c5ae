// Registry order numbers: `PO`, nine digits from a database sequence, and a Luhn check digit,
// so a PNO mistyped on an MDT keyboard is refused as malformed instead of silently not found.

function luhnDigit(digits: string): number {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 0) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return (10 - (sum % 10)) % 10;
}

export function pnoFromSequence(n: number | bigint | string): string {
  const body = String(n).padStart(9, '0');
  if (body.length > 9) throw new Error('PNO sequence exhausted');
  return `PO${body}${luhnDigit(body)}`;
}

export function isWellFormedPno(pno: string): boolean {
  const m = /^PO(\d{9})(\d)$/.exec(pno);
  return m !== null && luhnDigit(m[1]!) === Number(m[2]);
}
