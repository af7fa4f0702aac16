// Rewrites the confusion table in docs/wellbeing.md from the corpus: npx tsx tests/wellbeing/write-confusion-table.ts
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { confusionTable, TABLE_END, TABLE_START } from './confusion';

const path = join(__dirname, '..', '..', 'docs', 'wellbeing.md');
const doc = readFileSync(path, 'utf8');
const start = doc.indexOf(TABLE_START);
const end = doc.indexOf(TABLE_END);
if (start < 0 || end < 0) throw new Error(`${path} has no ${TABLE_START} … ${TABLE_END} markers`);
writeFileSync(path, `${doc.slice(0, start)}${confusionTable()}${doc.slice(end + TABLE_END.length)}`);
console.log(confusionTable());
