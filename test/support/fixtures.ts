// Orders and agencies for tests: an entry with sensible defaults, overridden per test.
import { addAgency } from '../../db/accounts.ts';
import type { Database } from '../../db/database.ts';
import type { OrderEntry } from '../../db/orders.ts';

export const COURT = 'CA019015J';
export const OTHER_COURT = 'CA037015J';
export const POLICE = 'CA0194200';
export const CLERK = { user: 'CLERK1', ori: COURT };

export async function addTestAgencies(db: Database): Promise<void> {
  await addAgency(db, { ori: COURT, name: 'LOS ANGELES SUPERIOR COURT', kind: 'COURT', carposCode: '190' });
  await addAgency(db, { ori: OTHER_COURT, name: 'SAN DIEGO SUPERIOR COURT', kind: 'COURT', carposCode: '370' });
  await addAgency(db, { ori: POLICE, name: 'LOS ANGELES POLICE DEPARTMENT', kind: 'LAW' });
}

type Overrides = Omit<Partial<OrderEntry>, 'restrained'> & { restrained?: Partial<OrderEntry['restrained']> };

let caseNo = 0;
export function entry(o: Overrides = {}): OrderEntry {
  caseNo++;
  const { restrained, ...rest } = o;
  return {
    typ: 'DVRO',
    cti: COURT,
    oca: `FL${String(caseNo).padStart(6, '0')}`,
    isd: '20260101',
    exp: '20290101',
    pco: ['01', '05'],
    protected: [{ name: 'DOE, JANE', dob: '19850505', sex: 'F', race: 'W' }],
    ...rest,
    restrained: { name: 'SMITH, JOHN', dob: '19800101', sex: 'M', race: 'W', ...restrained },
  };
}
