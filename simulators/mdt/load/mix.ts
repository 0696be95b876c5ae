export type Mix = Map<string, number>;
export function parseMix(s: string): Mix { return new Map(s.split(',').map((x) => [x.split(':')[0]!, Number(x.split(':')[1])])); }
